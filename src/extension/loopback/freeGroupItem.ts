import * as vscode from 'vscode';
import type { AddressEntry } from '../../core/allocator';
import { addressRanges } from './loopbackFormat';

/**
 * The free addresses, folded into one "N free" row: most of a pool is free most of the time,
 * and a row each would push the addresses with problems out of sight. Expand it to see them.
 */
export class FreeGroupItem extends vscode.TreeItem {
  constructor(readonly entries: readonly AddressEntry[]) {
    super(`${entries.length} free`, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = 'free-addresses';
    this.iconPath = new vscode.ThemeIcon('circle-large-outline');
    this.description = addressRanges(entries);
    this.tooltip = `Free: not leased, no probe port held.\n\n${addressRanges(entries)}`;
    this.contextValue = 'freeAddresses';
  }
}
