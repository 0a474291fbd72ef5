/**
 * `npm run bench`: every benchmark of this folder, one child process each (so one's isolates
 * and workers never skew another's figures), in name order; each prints its own figures.
 * `npm run bench -- peers cpu-bound` runs only those. Run one alone with
 * `./run node --no-node-snapshot bench/<name>.ts` (see bench/README.md for each one's options).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`no such benchmark: ${unknown.join(', ')} (there are: ${all.join(', ')})`);
  process.exit(2);
}
let failed = 0;
for (const name of asked.length > 0 ? asked : all) {
  console.log(`# ${name}.ts`);
  const run = spawnSync(process.execPath, ['--no-node-snapshot', join(here, `${name}.ts`)], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
