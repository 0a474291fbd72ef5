/**
 * A process of its own holding an in-process sandbox, for what ends that process (the test
 * process must survive it). Argv: the fixture's plugin and expected handlers as JSON, a cache
 * folder, then the capability to call. Prints one JSON line per log entry and per outcome.
 */
import { randomBytes } from 'node:crypto';
import { createSandbox } from '../../host/src/sandbox/index.ts';

const [fixtureJson, cacheDir, capability] = process.argv.slice(2) as [string, string, string];
const { plugin, expected } = JSON.parse(fixtureJson);
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const log = (level: string) => (obj: object, msg?: string) => print({ level, msg, obj });

try {
  const sandbox = await createSandbox({
    mode: 'in-process',
    workers: 4,
    bridge: async () => undefined,
    maxPayloadBytes: 1024 * 1024,
    maxBinaryBytes: 1024 * 1024,
    maxPendingBridgeCalls: 8,
    quarantineAfterCrashes: 3,
    quarantineWindowMs: 60_000,
    cacheDir,
    cacheKey: randomBytes(32),
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
  });
  await sandbox.load(plugin, expected);
  print({ loaded: true });
  const result = await sandbox.invoke({ plugin, kind: 'agent', target: 'limits', capability, input: {}, config: {}, executionId: 'exec-in-process-1' }).catch((err) => ({ code: err.code, message: err.message }));
  print({ result });
  // A runaway isolate ends this process within moments; a process that is still here says so.
  await new Promise((r) => setTimeout(r, 10_000));
  print({ survived: true });
  await sandbox.close();
} catch (err) {
  print({ failed: { code: (err as { code?: string }).code, message: (err as Error).message } });
}
