import { subjectOf } from '../../common/commandArg';
import type { Host } from '../../common/host';
import type { ClassifiedSession } from '../sessionHealth';
import { remoteOf } from '../sessionsFormat';
import type { SessionsModel } from '../sessionsModel';

/**
 * The session a command acts on: the clicked row, a session id (from the status-bar problem
 * list or another extension), or — from the palette — the user's pick. Always answered from a
 * fresh snapshot, so an action never names a session by stale facts.
 */
export async function resolveSession(
  model: SessionsModel,
  host: Host,
  arg: unknown,
  placeHolder: string,
  filter: (c: ClassifiedSession) => boolean = (c) => c.health !== 'closing',
): Promise<ClassifiedSession | undefined> {
  if (!model.isRunning) {
    host.info('Flake Doctor: the WebSocket relay is not running.');
    return undefined;
  }
  const state = model.refresh();
  const id = subjectOf(arg);
  if (id !== undefined) {
    const found = state.sessions.find((c) => c.session.id === id);
    if (!found) host.info(`Flake Doctor: session ${id} has closed.`);
    return found;
  }
  const candidates = state.sessions.filter(filter);
  if (candidates.length === 0) {
    host.info('Flake Doctor: no WebSocket session fits this action right now.');
    return undefined;
  }
  return host.pick(
    candidates.map((c) => ({
      label: c.session.id,
      description: `${c.session.role} · ${remoteOf(c.session)}`,
      detail: c.issues.map((i) => i.message).join('; ') || undefined,
      value: c,
    })),
    { placeHolder },
  );
}
