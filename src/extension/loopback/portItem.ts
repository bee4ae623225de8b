import * as vscode from 'vscode';
import type { AddressEntry, PortEntry } from '../../core/allocator';
import { inlineCode, shortenLeft } from '../common/format';

/** A port bound on an address, with its holder. `contextValue`: `port.conflict` / `port.ok`. */
export class PortItem extends vscode.TreeItem {
  /** Commands on a port act on its address (see commandArg). */
  get subject(): string {
    return this.address.address;
  }

  constructor(
    readonly address: AddressEntry,
    readonly port: PortEntry,
  ) {
    super(`${port.port}${port.wildcard ? ' (wildcard)' : ''}`, vscode.TreeItemCollapsibleState.None);
    const conflicting = port.probePort && !port.heldByLeaseHolder && address.poolIndex !== null;
    this.id = `port:${address.address}:${port.port}:${port.pid ?? 'unknown'}:${port.wildcard ? 'w' : 's'}`;
    this.iconPath = new vscode.ThemeIcon(conflicting ? 'warning' : 'radio-tower', conflicting ? new vscode.ThemeColor('list.errorForeground') : undefined);
    this.description = port.pid === null ? 'holder not visible' : `pid ${port.pid} ${port.command ? shortenLeft(port.command, 60) : ''}`;
    this.contextValue = conflicting ? 'port.conflict' : 'port.ok';
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${port.wildcard ? 'all addresses' : address.address}:${port.port}**${port.probePort ? ' — probe port' : ''}\n\n`);
    md.appendMarkdown(
      port.pid === null
        ? 'The holding process is not visible (another user or namespace).'
        : `pid ${port.pid}${port.command ? `: ${inlineCode(port.command)}` : ''}`,
    );
    if (conflicting)
      md.appendMarkdown(`\n\n$(warning) Held by a process that is not the lease holder: a test instance on ${address.address} will collide with it.`);
    md.supportThemeIcons = true;
    this.tooltip = md;
  }
}
