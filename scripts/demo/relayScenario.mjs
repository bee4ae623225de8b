// The relay demo scenario. Until its view lands it starts nothing.
export async function startRelayScenario(_demoDir) {
  return { settings: {}, lines: [] };
}
