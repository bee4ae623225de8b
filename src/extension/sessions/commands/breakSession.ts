import { isValidCloseCode, RelayCloseCode } from '../../../core/relay';
import { requireTrust, type Host } from '../../common/host';
import type { Log } from '../../common/log';
import { remoteOf } from '../sessionsFormat';
import type { SessionsModel } from '../sessionsModel';
import { resolveSession } from './pickSession';
import { BREAK_SESSION_COMMAND } from './commandIds';

export { BREAK_SESSION_COMMAND };

/**
 * 4500: the relay's "closed by operator", in the relay's own close-code block (clear of the
 * origin coordinator's 4000–4013 and 4429), distinct from its failure verdicts 4501–4503, so a
 * peer (and its logs) can tell an operator's Break from a relay verdict or a normal close.
 */
export const BREAK_CLOSE_CODE: number = RelayCloseCode.closedByOperator;
export const BREAK_CLOSE_REASON = 'closed by operator (Flake Doctor Break)';

/**
 * Closes one session after a modal naming it, its role and remote address. The Close goes
 * through the session's queue; a peer that does not answer the handshake is cut off after the
 * relay's close drain. Programmatic callers may pass their own code and reason.
 */
export async function breakSessionCommand(model: SessionsModel, host: Host, log: Log, arg: unknown, code?: unknown, reason?: unknown): Promise<void> {
  if (!requireTrust(host, 'Break session')) return;
  const closeCode = typeof code === 'number' ? code : BREAK_CLOSE_CODE;
  const closeReason = typeof reason === 'string' ? reason : BREAK_CLOSE_REASON;
  if (!isValidCloseCode(closeCode)) throw new Error(`${closeCode} is not a close code a server may send`);
  const target = await resolveSession(model, host, arg, 'Session to close');
  if (!target) return;
  const s = target.session;
  const detail = [
    `${s.role} from ${remoteOf(s)}.`,
    s.inFlightRequests ? `${s.inFlightRequests} request${s.inFlightRequests === 1 ? '' : 's'} in flight will fail.` : '',
    target.issues.length ? `Problems: ${target.issues.map((i) => i.message).join('; ')}.` : '',
    `It gets a Close frame with code ${closeCode} "${closeReason}"; if the peer does not complete the handshake, its socket is destroyed.`,
  ]
    .filter(Boolean)
    .join('\n');
  const ok = await host.confirm(`Close WebSocket session ${s.id} (${s.role}, ${remoteOf(s)})?`, detail, 'Close Session');
  if (!ok) {
    log.info(`Break ${s.id}: cancelled by the user`);
    return;
  }
  await model.closeSession(s.id, closeCode, closeReason);
  const message = `Break ${s.id} (${s.role}, ${remoteOf(s)}): closed with ${closeCode} "${closeReason}"`;
  log.info(message);
  host.info(message);
}
