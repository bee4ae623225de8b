// Placeholder until the lock core lands; see the open issue for the lock core.
export {};
