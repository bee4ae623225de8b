// Placeholder until the relay core lands; see the open issue for the relay core.
export {};
