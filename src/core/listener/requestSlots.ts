// The symbols under which call trackers keep their entry on undici's request objects.
//
// Each symbol a request object is given a property under becomes another hidden class of
// undici's Request in V8; past a handful of them, undici's own property reads of its requests
// turn megamorphic (slower for every request in the process). So a tracker does not make a
// symbol of its own: it borrows one here and hands it back on dispose, and the number of
// symbols ever made stays the number of trackers observing at the same time (usually one or
// two), however many come and go over the life of the process.

const free: symbol[] = [];
let made = 0;

export function borrowSlot(): symbol {
  return free.pop() ?? Symbol(`flake-doctor call entry ${++made}`);
}

/** Only once no request still holds an entry of the borrower under it. */
export function returnSlot(slot: symbol): void {
  free.push(slot);
}
