// Merges one feature's VS Code contributions into package.json:
//   node scripts/merge-contributes.mjs src/extension/<feature>/contributes.json
// The file holds { feature, views?: [...], viewsWelcome, commands, menus, configuration.properties }.
// Entries of that feature (commands/settings prefixed `flakeDoctor.<feature>.`, menus whose
// command has that prefix, the viewsWelcome of its views) are replaced, everything else kept.
// A directory lock serialises concurrent merges (several features are developed at once).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

const file = process.argv[2];
if (!file) throw new Error('usage: merge-contributes.mjs <contributes.json>');
const add = JSON.parse(readFileSync(file, 'utf8'));
const prefix = `flakeDoctor.${add.feature}.`;
const lockDir = join(ROOT, '.cache', 'package-json.lock');
mkdirSync(join(ROOT, '.cache'), { recursive: true });
for (let i = 0; ; i++) {
  try {
    mkdirSync(lockDir);
    break;
  } catch {
    if (i > 200) throw new Error(`${lockDir} held for 10 s; remove it if no merge is running`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
try {
  const pkgPath = join(ROOT, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  const c = pkg.contributes;
  const ownViews = new Set(add.ownViews ?? []);
  c.commands = [...c.commands.filter((x) => !x.command.startsWith(prefix)), ...(add.commands ?? [])];
  c.viewsWelcome = [...c.viewsWelcome.filter((x) => !ownViews.has(x.view)), ...(add.viewsWelcome ?? [])];
  for (const [menu, entries] of Object.entries(add.menus ?? {})) {
    c.menus[menu] = [...(c.menus[menu] ?? []).filter((x) => !x.command.startsWith(prefix)), ...entries];
  }
  for (const menu of Object.keys(c.menus)) if (!(menu in (add.menus ?? {}))) c.menus[menu] = c.menus[menu].filter((x) => !x.command.startsWith(prefix));
  const props = c.configuration.properties;
  for (const key of Object.keys(props)) if (key.startsWith(prefix)) delete props[key];
  Object.assign(props, add.configuration?.properties ?? {});
  const tmp = `${pkgPath}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(pkg, null, 2)}\n`);
  renameSync(tmp, pkgPath);
  console.log(`merged ${add.feature} contributions into package.json`);
} finally {
  rmSync(lockDir, { recursive: true, force: true });
}
