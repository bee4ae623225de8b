import { describe, expect, it } from 'vitest';
import { HoverHold } from '../../src/extension/common/hoverHold';

class Row {
  constructor(
    readonly name: string,
    public stateKey = 'ok',
  ) {}
}

describe('HoverHold: a hovered row keeps its tooltip', () => {
  it('defers text-only redraws of the hovered row until the hold ends, then redraws it once', () => {
    let now = 0;
    const hold = new HoverHold<Row>(15_000, () => now);
    const a = new Row('a');
    const b = new Row('b');
    hold.markHovered(a);
    expect(hold.filter([a, b])).toEqual([b]);
    now = 5_000;
    expect(hold.filter([a])).toEqual([]);
    now = 15_001;
    expect(hold.filter([])).toEqual([a]);
    expect(hold.filter([])).toEqual([]);
  });

  it('redraws a hovered row at once when its state (icon, menus) changes', () => {
    let now = 0;
    const hold = new HoverHold<Row>(15_000, () => now);
    const a = new Row('a');
    hold.markHovered(a);
    a.stateKey = 'stalled';
    now = 1000;
    expect(hold.filter([a])).toEqual([a]);
  });

  it('redraws the row the hover left, so its next hover resolves (and holds) again', () => {
    const hold = new HoverHold<Row>(15_000, () => 0);
    const a = new Row('a');
    const b = new Row('b');
    hold.markHovered(a);
    expect(hold.filter([a])).toEqual([]);
    hold.markHovered(b);
    expect(hold.filter([b])).toEqual([a]);
  });

  it('forgets everything on reset (the whole tree was refetched)', () => {
    const hold = new HoverHold<Row>(15_000, () => 0);
    const a = new Row('a');
    hold.markHovered(a);
    hold.filter([a]);
    hold.reset();
    expect(hold.filter([a])).toEqual([a]);
  });
});
