// Placeholder until the listener core lands; see the open issue for the listener core.
export {};
