/**
 * `./run cluster`'s arguments: out of range, it refuses with exit code 2 and one line naming the
 * flag, before it starts anything (no PostgreSQL, no replica).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 30_000 });

test.each([
  [['--replicas', '0'], '--replicas must be a whole number from 1 to 16'],
  [['--replicas', '17'], '--replicas must be a whole number from 1 to 16'],
  [['--replicas', 'two'], '--replicas must be a whole number from 1 to 16'],
  [['--port', '70000'], '--port must be a port number'],
  [['--port=-1'], '--port must be a port number'],
])('%j is refused with exit code 2', (args, message) => {
  const result = run(...args);
  expect(result.status).toBe(2);
  expect(result.stderr).toContain(`easel cluster: ${message}`);
  expect(result.stdout).toBe('');
});

test.each([[['--replica', '2'], "Unknown option '--replica'"], [['--port', '-1'], "'--port'"]])('%j is refused in one line with exit code 2, with the usage', (args, message) => {
  const result = run(...args);
  expect(result.status).toBe(2);
  expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(message)]);
  expect(result.stderr).toContain('usage: ./run cluster [--replicas 3] [--port 8080]');
  expect(result.stdout).toBe('');
});
