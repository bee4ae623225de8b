import * as vscode from 'vscode';
import { PROBLEM_SEVERITY } from '../../core/doctor/problem';
import type { HeldRow } from '../common/hoverHold';
import { SEVERITY_ICON } from '../problems/problem';
import type { CallOutcome, CallSnapshot } from '../../core/listener';
import { ROW_CLICK } from '../details/commandIds';
import { SHOW_CALL_DETAILS_COMMAND } from './commands/commandIds';
import { callAccessibility, callDescription, callLabel, callTooltipMarkdown } from './callsFormat';

/** What a call row is, for its icon and its menus (`contextValue` = `call.<state>`). */
export type CallState = 'inflight' | 'stalled' | 'ended';

const OUTCOME_LOOK: Record<CallOutcome, { icon: string; color?: string }> = {
  ok: { icon: 'pass', color: 'charts.green' },
  'http-error': { icon: 'circle-slash', color: 'list.errorForeground' },
  deadline: { icon: 'clock', color: 'list.errorForeground' },
  aborted: { icon: 'debug-stop', color: 'disabledForeground' },
  error: { icon: 'error', color: 'list.errorForeground' },
};

export function callState(call: CallSnapshot): CallState {
  if (call.outcome !== null) return 'ended';
  return call.stalled ? 'stalled' : 'inflight';
}

function look(call: CallSnapshot): { icon: string; color?: string } {
  const state = callState(call);
  if (state === 'stalled') return SEVERITY_ICON[PROBLEM_SEVERITY.stalled];
  if (state === 'ended') return OUTCOME_LOOK[call.outcome ?? 'error'];
  // A long poll is meant to wait; it must not look like trouble.
  return call.kind === 'long-poll' ? { icon: 'watch' } : { icon: 'arrow-swap' };
}

/**
 * One HTTP call, in flight (its age against its deadline) or recent (its outcome). Updated in
 * place while it stays where it is; a call that ends becomes a new row under "Recent calls".
 */
export class CallItem extends vscode.TreeItem implements HeldRow {
  private signature = '';
  stateKey = '';

  constructor(
    public call: CallSnapshot,
    now: number,
    /** Which list the row is in: tree ids must be unique, and a call is first one then the other. */
    readonly list: 'inflight' | 'recent' | 'process',
  ) {
    super(callLabel(call), vscode.TreeItemCollapsibleState.None);
    this.id = `${list}:${call.id}`;
    // A click previews the call's details document, the focus staying in the tree.
    this.command = { command: SHOW_CALL_DETAILS_COMMAND, title: 'Show Details', arguments: [call.id, ROW_CLICK] };
    this.update(call, now);
  }

  /** What commands act on (see commandArg). */
  get subject(): string {
    return this.call.id;
  }

  get callId(): string {
    return this.call.id;
  }

  update(call: CallSnapshot, now: number): boolean {
    this.call = call;
    const { icon, color } = look(call);
    const description = callDescription(call, now);
    const state = callState(call);
    const signature = `${state}|${icon}|${description}`;
    if (signature === this.signature) return false;
    this.signature = signature;
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.description = description;
    this.contextValue = `call.${state}`;
    this.stateKey = `${icon}|${this.contextValue}`;
    this.accessibilityInformation = { label: callAccessibility(call, now) };
    this.tooltip = undefined;
    return true;
  }

  static buildTooltip(call: CallSnapshot, now: number): vscode.MarkdownString {
    return new vscode.MarkdownString(callTooltipMarkdown(call, now), true);
  }
}
