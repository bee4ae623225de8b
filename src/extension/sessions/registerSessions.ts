import { Disposable } from '../common/disposable';
import type { Host } from '../common/host';
import type { Log } from '../log';
import type { ProblemCenter } from '../problems/problemCenter';

/** The "WebSocket Sessions" view. Until it lands, the view shows its welcome text (package.json). */
export class SessionsFeature extends Disposable {
  constructor(_host: Host, _log: Log, _problems: ProblemCenter) {
    super();
  }
}
