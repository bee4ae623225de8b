// The `flake-doctor` executable (package bin, built to dist/cli.cjs with a node shebang).
import { withdrawFromBridge } from '../core/bridge/withdraw';
import { main } from './main';

// First: the doctor reads the bridge and must not publish on it, even in an attached terminal.
withdrawFromBridge();

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env, interrupted }).then(
  (code) => {
    process.exitCode = code;
    // The signal listeners must not keep a finished doctor alive.
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
  },
  (err: Error) => {
    process.stderr.write(`flake-doctor: ${err.stack ?? err.message}\n`);
    process.exitCode = 2;
  },
);
