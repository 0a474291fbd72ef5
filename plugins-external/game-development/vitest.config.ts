// `npm test` in this folder: the plugin's own tests, on their own. isolated-vm (runPacked)
// needs --no-node-snapshot in the process that creates isolates, hence forks with the flag.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', execArgv: ['--no-node-snapshot'] },
});
