/**
 * Runs the Bedrock Runtime emulator on its own: `node host/src/models/emulator/main.ts`.
 * Listens on EASEL_EMULATOR_PORT (default 4599) on loopback and prints its URL.
 */
import { startEmulator } from './index.ts';

const port = Number(process.env.EASEL_EMULATOR_PORT ?? 4599);
const emulator = await startEmulator({ port, logger: process.env.EASEL_EMULATOR_LOG === '1' });
process.stdout.write(`Bedrock emulator listening on ${emulator.url}\n`);

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await emulator.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
