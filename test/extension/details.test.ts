import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DetailsBook } from '../../src/extension/details/detailsBook';
import { detailsDocument, withoutCodicons, type DetailsPage, type DetailsSource } from '../../src/extension/details/detailsPage';
import { DETAILS_SCHEME, detailsLocation, parseDetailsLocation } from '../../src/extension/details/detailsRef';
import { addressDescription, ADDRESS_STATE_WORDS } from '../../src/extension/loopback/loopbackFormat';
import { LoopbackModel } from '../../src/extension/loopback/loopbackModel';
import { freePortOn, randomRangeStart } from '../helpers/ports';
import { startReusePortListener, stopChild } from '../helpers/processes';

describe('details document locations', () => {
  it('round-trip any subject through the query, with a readable Markdown tab title', () => {
    const subject = 'calls:1234:0/GET http://127.0.0.1:9/a?b=c&d=%20';
    const { path, query } = detailsLocation({ kind: 'attached', subject }, 'GET http://127.0.0.1:9/a');
    expect(path).toBe('/attached/GET http:∕∕127.0.0.1:9∕a.md');
    expect(parseDetailsLocation(path, query)).toEqual({ kind: 'attached', subject });
    expect(DETAILS_SCHEME).toBe('flake-doctor-details');
  });

  it('refuse what this extension did not make', () => {
    expect(parseDetailsLocation('/nonsense/x.md', 'x')).toBeNull();
    expect(parseDetailsLocation('/address/x.md', '')).toBeNull();
    expect(parseDetailsLocation('/address/x.md', '%E0%A4%A')).toBeNull(); // malformed escape
  });
});

describe('detailsDocument', () => {
  const page: DetailsPage = {
    name: '127.0.0.5',
    title: '127.0.0.5: conflict',
    view: 'Loopback Addresses',
    markdown: '**127.0.0.5** — conflict\n\n$(warning) port 9926 held by pid 42 `python3 ```x```',
    raw: { address: '127.0.0.5', ports: [{ port: 9926, pid: 42 }] },
  };

  it('is the tooltip as a document: heading, as-of line, codicons as signs, the raw snapshot last', () => {
    const text = detailsDocument({ page, lastSeen: null, report: null, subject: '127.0.0.5', now: new Date(2025, 0, 1, 14, 3, 12).getTime() });
    expect(text.split('\n\n').slice(0, 3)).toEqual([
      '# 127.0.0.5: conflict',
      '_Loopback Addresses · as of 14:03:12 · updates while open · read-only_',
      '**127.0.0.5** — conflict',
    ]);
    expect(text).toContain('⚠ port 9926 held by pid 42');
    expect(text).not.toContain('$(warning)');
    expect(text).toContain('## Snapshot\n\n```json\n{\n  "address": "127.0.0.5"');
  });

  it('fences a report so that no backticks in it close the fence early', () => {
    const text = detailsDocument({
      page,
      lastSeen: null,
      report: { title: 'Probe 127.0.0.5: 9926 held by pid 42', text: 'port 9926: in use by pid 42 (```odd```)', at: 0 },
      subject: '127.0.0.5',
      now: 0,
    });
    expect(text).toContain('## Last report: Probe 127.0.0.5: 9926 held by pid 42');
    expect(text).toContain('````text\nport 9926: in use by pid 42 (```odd```)\n````');
  });

  it('says when its subject is gone, and keeps the last facts seen', () => {
    const text = detailsDocument({ page: null, lastSeen: { page, at: 0 }, report: null, subject: '127.0.0.5', now: 60_000 });
    expect(text).toContain('_No longer listed in Loopback Addresses');
    expect(text).toContain('port 9926 held by pid 42');
  });

  it('turns only codicons into text', () => {
    expect(withoutCodicons('$(error) a $(loading~spin) b $(x) c $100')).toBe('⛔ a b c $100');
  });
});

/** A call whose row shows its age: the document's ages grow with the clock, its facts do not. */
function callSource(state: { phase: string; startedAt: number } | null): DetailsSource {
  return (subject, now) =>
    state && {
      name: subject,
      title: `${subject}: ${state.phase}`,
      view: 'Broker Calls',
      markdown: `${state.phase}, age ${now - state.startedAt} ms`,
      raw: state,
    };
}

describe('DetailsBook: which open documents to redraw', () => {
  it('redraws a document when a fact changes, never because time passed', () => {
    let now = 1000;
    const book = new DetailsBook(() => now);
    const call = { phase: 'awaiting-headers', startedAt: 0 };
    book.setSource('call', callSource(call));
    const ref = { kind: 'call' as const, subject: 'c1' };
    expect(book.content(ref)).toContain('awaiting-headers, age 1000 ms');
    now = 9000;
    expect(book.changed('call')).toEqual([]); // only the age grew
    call.phase = 'receiving-body';
    expect(book.changed('call')).toEqual([ref]);
    expect(book.content(ref)).toContain('receiving-body, age 9000 ms');
    expect(book.changed('call')).toEqual([]);
  });

  it('renders nothing for a kind no open document shows, and forgets closed documents', () => {
    let renders = 0;
    const book = new DetailsBook(() => 0);
    const source = callSource({ phase: 'x', startedAt: 0 });
    book.setSource('call', (s, n) => (renders++, source(s, n)));
    expect(book.changed('call')).toEqual([]);
    expect(renders).toBe(0);
    expect(book.hasOpen('call')).toBe(false);
    book.content({ kind: 'call', subject: 'c1' });
    expect(book.hasOpen('call')).toBe(true);
    book.close({ kind: 'call', subject: 'c1' });
    renders = 0;
    expect(book.changed('call')).toEqual([]);
    expect(renders).toBe(0);
    expect(book.hasOpen('call')).toBe(false);
  });

  it('shows a report in its subject’s document (a redraw), and a subject that went away as gone', () => {
    const book = new DetailsBook(() => 0);
    const state: { phase: string; startedAt: number } | null = { phase: 'awaiting-headers', startedAt: 0 };
    let current: typeof state | null = state;
    book.setSource('call', (s, n) => callSource(current)(s, n));
    const ref = { kind: 'call' as const, subject: 'c1' };
    book.content(ref);
    book.addReport(ref, { title: 'Probe', text: 'broker answered in 3 ms', at: 0 });
    expect(book.changed('call')).toEqual([ref]);
    expect(book.content(ref)).toContain('broker answered in 3 ms');
    current = null;
    expect(book.changed('call')).toEqual([ref]);
    const gone = book.content(ref);
    expect(gone).toContain('No longer listed in Broker Calls');
    expect(gone).toContain('awaiting-headers');
  });
});

describe('DetailsBook with the real Loopback model (real sockets, no VS Code)', () => {
  const start = randomRangeStart(2);
  const address = `127.0.0.${start}`;
  let lingering: ChildProcess | undefined;
  afterAll(() => stopChild(lingering));

  it('reports the open address document changed when a real listener starts lingering on it, and not on a rescan that finds nothing new', async () => {
    const port = await freePortOn([address]);
    const model = new LoopbackModel({
      config: { start, count: 2, probePorts: [port] },
      poolFiles: [join(mkdtempSync(join(tmpdir(), 'fd-details-')), 'pool.json')],
      foreignPoolFiles: [],
      originStart: 2,
      minScanIntervalMs: 60_000,
      breakGraceMs: 0,
      connectProbe: false,
    });
    const book = new DetailsBook();
    // The view's source, with the row's words (the tooltip needs `vscode`; the description does not).
    book.setSource('address', (subject) => {
      const entry = model.snapshot?.addresses.find((a) => a.address === subject);
      return entry
        ? {
            name: subject,
            title: `${subject}: ${ADDRESS_STATE_WORDS[entry.state]}`,
            view: 'Loopback Addresses',
            markdown: addressDescription(entry, null),
            raw: entry,
          }
        : null;
    });
    const redrawn: string[][] = [];
    model.on('change', () => redrawn.push(book.changed('address').map((r) => r.subject)));
    try {
      await model.refresh();
      const ref = { kind: 'address' as const, subject: address };
      expect(book.content(ref)).toContain(`# ${address}: free`);
      await model.refresh();
      expect(redrawn).toEqual([[]]); // the first scan, before the document opened; the rescan found nothing new (no event)
      lingering = await startReusePortListener(address, [port]);
      await model.refresh();
      expect(redrawn.at(-1)).toEqual([address]);
      const text = book.content(ref);
      expect(text).toContain(`# ${address}: conflict`);
      expect(text).toContain(`"pid": ${lingering.pid}`);
    } finally {
      model.dispose();
    }
  });
});
