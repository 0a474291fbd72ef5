/**
 * `npm run bench`: every benchmark of this folder, one child process each (so one's isolates
 * and workers never skew another's figures), in name order; each prints its own figures.
 * Run one alone with `./run node --no-node-snapshot bench/<name>.ts`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
let failed = 0;
for (const file of readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts').sort()) {
  console.log(`# ${file}`);
  const run = spawnSync(process.execPath, ['--no-node-snapshot', join(here, file)], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
