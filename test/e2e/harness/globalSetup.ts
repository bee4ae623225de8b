import { existsSync } from 'node:fs';
import { CHROMIUM, CODE_SERVER_BIN, VSIX } from './paths';

/** Fails loudly, before any test, if a real component is missing: never a silent skip. */
export default function setup(): void {
  const missing = [
    [VSIX, 'the packaged extension (npm run package)'],
    [CODE_SERVER_BIN, 'code-server 4.100.3 (node scripts/ensureSetup.mjs --test installs it)'],
    [CHROMIUM, "Debian's chromium (apt-get install chromium)"],
  ].filter(([path]) => !existsSync(path!));
  if (missing.length) throw new Error(`end-to-end prerequisites missing:\n${missing.map(([p, what]) => `  ${p}: ${what}`).join('\n')}`);
}
