// flake-doctor/bridge: publish a process's cores and HTTP calls to the same user's tools
// (the VS Code views, `flake-doctor doctor`, the vitest plugin), and consume what others publish.

export { startBridge, currentBridge, stallThresholdFromEnv, type BridgeServer, type StartBridgeOptions } from './server';
export { listBridgeProcesses, socketAccepts, type ListBridgeOptions } from './discovery';
export { connectBridge, type BridgeClient, type ConnectBridgeOptions } from './client';
export { bridgeDirectory, checkDirectory, checkSocket, ensureDirectory as ensureBridgeDirectory, BridgeDirectoryError } from './directory';
export { BridgeError } from './errors';
export { parseAttachMode, shouldAttach, type AttachMode } from './attachPolicy';
export { LineSplitter, LineTooLongError, MalformedLineError } from './lines';
export * from './types';
