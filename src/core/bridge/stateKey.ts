// Where a process keeps its bridge: one global slot shared by every bundle of the library in
// that process (the preloaded register module and, say, the `flake-doctor` command are
// separate bundles), so there is one bridge per thread whoever starts or stops it.

export const BRIDGE_STATE_KEY = Symbol.for('flake-doctor.bridge-server.v1');
