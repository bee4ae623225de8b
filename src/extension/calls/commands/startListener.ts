import * as vscode from 'vscode';
import type { Host } from '../../common/host';
import type { Log } from '../../common/log';
import type { CallsModel } from '../callsModel';
import { START_LISTENER_COMMAND } from './commandIds';

export { START_LISTENER_COMMAND };

const OPEN_SETTINGS = 'Open Settings';

/** Starts the listener against the configured broker; without one, offers the setting. */
export async function startListenerCommand(model: CallsModel, host: Host, log: Log, quiet = false): Promise<void> {
  if (model.isRunning) {
    if (!quiet) host.info(`Flake Doctor: the broker listener is already running for ${model.state.listener?.brokerUrl ?? '…'}.`);
    return;
  }
  const url = model.currentSettings.brokerUrl;
  if (!url) {
    log.warn('Start listener: no broker URL is set (flakeDoctor.calls.brokerUrl)');
    const answer = await vscode.window.showWarningMessage('Flake Doctor: set flakeDoctor.calls.brokerUrl to the broker to listen to.', OPEN_SETTINGS);
    if (answer === OPEN_SETTINGS) await vscode.commands.executeCommand('workbench.action.openSettings', 'flakeDoctor.calls.brokerUrl');
    return;
  }
  await model.start();
  const s = model.currentSettings;
  log.info(`Broker listener started for ${url} (control-plane deadline ${s.controlPlaneTimeoutMs} ms, long poll ${s.longPollTimeoutMs} ms)`);
  if (!quiet) host.info(`Flake Doctor: listening to ${url}`);
}
