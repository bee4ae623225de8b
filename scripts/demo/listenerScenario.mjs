// The listener demo scenario. Until its view lands it starts nothing.
export async function startListenerScenario(_demoDir) {
  return { settings: {}, lines: [] };
}
