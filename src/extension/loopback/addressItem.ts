import * as vscode from 'vscode';
import type { AddressEntry, AddressState } from '../../core/allocator';
import { PROBLEM_SEVERITY } from '../../core/doctor/problem';
import { formatDuration, inlineCode } from '../common/format';
import { SEVERITY_ICON } from '../problems/problem';
import { ROW_CLICK } from '../details/commandIds';
import { SHOW_ADDRESS_DETAILS_COMMAND } from './commands/commandIds';
import { addressDescription, ADDRESS_STATE_WORDS } from './loopbackFormat';

/** Problem states take their words and colour from the shared vocabulary (one severity per state). */
export const STATE_LOOK: Record<AddressState, { icon: string; color?: string; label: string }> = {
  free: { icon: 'circle-large-outline', label: 'free' },
  leased: { icon: 'lock', color: 'charts.blue', label: 'leased' },
  'dead-holder': { icon: 'debug-disconnect', color: SEVERITY_ICON[PROBLEM_SEVERITY['dead-holder']].color, label: ADDRESS_STATE_WORDS['dead-holder'] },
  conflict: { ...SEVERITY_ICON[PROBLEM_SEVERITY.conflict], label: ADDRESS_STATE_WORDS.conflict },
  parked: { icon: 'debug-pause', color: SEVERITY_ICON[PROBLEM_SEVERITY.parked].color, label: ADDRESS_STATE_WORDS.parked },
  foreign: { icon: 'plug', color: 'charts.purple', label: 'not in pool' },
};

/** One loopback address. `contextValue` is `address.<state>` so menus can match by regex. */
export class AddressItem extends vscode.TreeItem {
  /** What commands act on (see commandArg). */
  get subject(): string {
    return this.entry.address;
  }

  constructor(
    readonly entry: AddressEntry,
    /** The holder as an attached process names itself ("pid 12 · test/api.test.ts"), when it is one. */
    readonly holderName: string | null = null,
  ) {
    super(entry.address, entry.ports.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    const look = STATE_LOOK[entry.state];
    this.id = `address:${entry.address}`;
    this.iconPath = new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
    this.description = addressDescription(entry, holderName);
    this.contextValue = `address.${entry.state}`;
    // A click previews the address's details document, the focus staying in the tree (its ports expand with the arrow).
    this.command = { command: SHOW_ADDRESS_DETAILS_COMMAND, title: 'Show Details', arguments: [entry.address, ROW_CLICK] };
    this.accessibilityInformation = {
      label: `${entry.address}, ${this.description.replace(/ · /g, ', ')}${entry.problems.length ? `, ${entry.problems.join('; ')}` : ''}`,
    };
  }

  /** Built lazily (resolveTreeItem), since most tooltips are never shown. */
  buildTooltip(now: number): vscode.MarkdownString {
    const { entry } = this;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${entry.address}** — ${STATE_LOOK[entry.state].label}\n\n`);
    if (entry.poolIndex !== null) md.appendMarkdown(`Pool slot ${entry.poolIndex}${entry.poolFile ? ` in ${inlineCode(entry.poolFile)}` : ''}\n\n`);
    if (entry.foreignPool)
      md.appendMarkdown(
        `Held through a **foreign pool file** (another pool, read only): Flake Doctor's pool never leases this address while this lease lives.\n\n`,
      );
    if (entry.poolFormat === 'origin' && entry.originStart !== null) {
      md.appendMarkdown(
        `Origin-format file: it records no range, so its index 0 is taken as \`127.0.0.${entry.originStart}\` (setting \`flakeDoctor.loopback.originStart\`; older origin versions start at \`127.0.0.1\`).\n\n`,
      );
    }
    if (entry.holder) {
      const h = entry.holder;
      md.appendMarkdown(`Lease holder: pid ${h.pid} (${h.alive ? 'running' : 'not running'})${h.command ? ` ${inlineCode(h.command)}` : ''}\n\n`);
      if (this.holderName) md.appendMarkdown(`Attached over the live bridge as ${inlineCode(this.holderName)}\n\n`);
      if (h.leasedAt) md.appendMarkdown(`Leased ${formatDuration(now - h.leasedAt)} ago\n\n`);
    }
    if (entry.parked) md.appendMarkdown(`Parked ${formatDuration(now - entry.parked.parkedAt)} ago: ${entry.parked.reason}\n\n`);
    for (const p of entry.ports) {
      md.appendMarkdown(
        `- port ${p.port}${p.wildcard ? ' (wildcard)' : ''}${p.probePort ? ' — probe port' : ''}: ${p.pid === null ? 'holder not visible' : `pid ${p.pid} ${p.command ? inlineCode(p.command) : ''}`}\n`,
      );
    }
    if (entry.problems.length) md.appendMarkdown(`\n$(warning) ${entry.problems.join('\n\n$(warning) ')}`);
    return md;
  }
}
