// The lock demo scenario. Until its view lands it starts nothing.
export async function startLockScenario(_demoDir) {
  return { settings: {}, lines: [] };
}
