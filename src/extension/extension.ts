import * as vscode from 'vscode';
import { vscodeHost } from './common/vscodeHost';
import { createLog } from './common/log';
import { BridgeFeature } from './bridge/bridgeFeature';
import { CallsFeature } from './calls/callsFeature';
import { LocksFeature } from './locks/locksFeature';
import { LoopbackFeature } from './loopback/loopbackFeature';
import { SessionsFeature } from './sessions/sessionsFeature';
import { ProblemCenter } from './problems/problemCenter';
import { DetailsProvider } from './details/detailsProvider';

/**
 * Entry point: VS Code glue only. Each view is a feature object constructed with what it
 * needs and pushed to `context.subscriptions`, so everything it creates is disposed.
 */
export function activate(context: vscode.ExtensionContext): void {
  const log = createLog();
  context.subscriptions.push(log);
  const problems = new ProblemCenter();
  context.subscriptions.push(problems);
  context.subscriptions.push(vscode.commands.registerCommand('flakeDoctor.showLog', () => log.show()));
  // Rows' details documents (a click, the Details action, notifications' "Show Details").
  const details = new DetailsProvider();
  context.subscriptions.push(details);
  // The live bridge first: the views list attached processes next to their own rows.
  const bridge = new BridgeFeature(context, vscodeHost, log, problems, details);
  context.subscriptions.push(bridge);
  context.subscriptions.push(new LoopbackFeature(vscodeHost, log, problems, bridge, details));
  context.subscriptions.push(new LocksFeature(vscodeHost, log, problems, bridge, details));
  context.subscriptions.push(new SessionsFeature(vscodeHost, log, problems, bridge, details));
  context.subscriptions.push(new CallsFeature(vscodeHost, log, problems, bridge, details));
  log.info(`Flake Doctor ${context.extension.packageJSON.version as string} activated`);
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
