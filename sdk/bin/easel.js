#!/usr/bin/env node
// The `easel` executable. isolated-vm wants `--no-node-snapshot` in every process that
// creates isolates (validate, dev, the test kit), so without it the CLI runs itself again
// with it, forwarding signals, and exits as the child did.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.execArgv.includes('--no-node-snapshot')) {
  const { main } = await import('../dist/cli.js');
  process.exitCode = await main(process.argv.slice(2));
} else {
  const child = spawn(process.execPath, ['--no-node-snapshot', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
