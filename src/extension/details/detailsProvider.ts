import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { DetailsBook } from './detailsBook';
import type { DetailsReport, DetailsSource } from './detailsPage';
import { DETAILS_SCHEME, detailsLocation, parseDetailsLocation, refKey, type DetailsKind, type DetailsRef } from './detailsRef';
import { ROW_CLICK, SHOW_DETAILS_COMMAND } from './commandIds';

/** How a row opens its document: a click previews it and leaves the focus in the tree; a Details action opens it for good. */
export interface OpenHow {
  preview: boolean;
  preserveFocus: boolean;
}

export const CLICK: OpenHow = { preview: true, preserveFocus: true };
export const ACTION: OpenHow = { preview: false, preserveFocus: false };

/** A click passes ROW_CLICK after the subject; menus, keybindings and the palette do not. */
export function openHow(mode: unknown): OpenHow {
  return mode === ROW_CLICK ? CLICK : ACTION;
}

/** A change signal: a VS Code event, or a Node emitter's through `eventOf`. */
export type Signal = (listener: () => void) => vscode.Disposable;

/** A report given to notifications' "Show Details" (host.ts): the subject it is about, if any, and its text. */
export interface ReportArg {
  title: string;
  text: string;
}

/**
 * The read-only details documents (`flake-doctor-details:` Markdown, one per subject, like the
 * container extensions' Inspect). The views register a source per kind and the change signals
 * they already have; a signal re-renders only the open documents of that kind, and VS Code is
 * told about those whose facts changed. Nothing polls: with no document open, a signal costs a
 * map lookup.
 */
export class DetailsProvider extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly book = new DetailsBook();
  private readonly changeEmitter = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changeEmitter.event;
  private readonly visibleEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires when a details tab is shown or hidden (views keep their facts current while theirs is). */
  readonly onDidChangeVisible = this.visibleEmitter.event;
  /** Open documents' URIs by subject: a subject whose name changed reuses its tab. */
  private readonly uris = new Map<string, vscode.Uri>();

  constructor() {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(DETAILS_SCHEME, this));
    this._register(
      vscode.workspace.onDidCloseTextDocument((doc) => {
        const ref = refOf(doc.uri);
        if (!ref) return;
        this.book.close(ref);
        this.uris.delete(refKey(ref));
      }),
    );
    this._register(vscode.window.onDidChangeVisibleTextEditors(() => this.visibleEmitter.fire()));
    this._register(vscode.commands.registerCommand(SHOW_DETAILS_COMMAND, (ref: DetailsRef, report?: ReportArg) => this.showReport(ref, report)));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const ref = refOf(uri);
    return ref ? this.book.content(ref) : `Not a Flake Doctor details document: ${uri.toString()}\n`;
  }

  /** A view's source for `kind`, redrawn on each of `signals`. */
  register(kind: DetailsKind, source: DetailsSource, signals: readonly Signal[]): vscode.Disposable {
    const remove = this.book.setSource(kind, source);
    const subscriptions = signals.map((signal) => signal(() => this.refresh(kind)));
    return {
      dispose: () => {
        remove();
        for (const s of subscriptions) s.dispose();
      },
    };
  }

  /** Tells VS Code which open documents of `kind` now read differently. */
  refresh(kind: DetailsKind): void {
    for (const ref of this.book.changed(kind)) {
      const uri = this.uris.get(refKey(ref));
      if (uri) this.changeEmitter.fire(uri);
    }
  }

  /** Whether a details tab of `kind` can be seen now. */
  isVisible(kind: DetailsKind): boolean {
    return vscode.window.visibleTextEditors.some((e) => refOf(e.document.uri)?.kind === kind);
  }

  async open(ref: DetailsRef, how: OpenHow): Promise<void> {
    const key = refKey(ref);
    let uri = this.uris.get(key);
    if (!uri) {
      const { path, query } = detailsLocation(ref, this.book.page(ref)?.name ?? ref.subject);
      uri = vscode.Uri.from({ scheme: DETAILS_SCHEME, path, query });
      this.uris.set(key, uri);
    }
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'markdown') doc = await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: how.preview, preserveFocus: how.preserveFocus });
  }

  /** A notification's "Show Details": the report joins its subject's document (or has one of its own). */
  private async showReport(ref: DetailsRef, report?: ReportArg): Promise<void> {
    if (report) {
      const full: DetailsReport = { ...report, at: Date.now() };
      this.book.addReport(ref, full);
      this.refresh(ref.kind);
    }
    await this.open(ref, ACTION);
  }
}

function refOf(uri: vscode.Uri): DetailsRef | null {
  return uri.scheme === DETAILS_SCHEME ? parseDetailsLocation(uri.path, uri.query) : null;
}
