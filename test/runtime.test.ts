import { expect, test } from 'vitest';
test('workers run with --no-node-snapshot on Node >= 24', () => {
  expect(process.execArgv).toContain('--no-node-snapshot');
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
});
