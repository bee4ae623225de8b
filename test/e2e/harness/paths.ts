import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
export const REPO_ROOT = ROOT;
export const CODE_SERVER_BIN = join(ROOT, '.cache', 'code-server-4.100.3', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.FLAKE_DOCTOR_CHROMIUM || '/usr/bin/chromium';
export const VSIX = join(ROOT, 'dist', 'flake-doctor.vsix');
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'e2e');
export const README_PICTURES = join(ROOT, 'media', 'screenshots');
