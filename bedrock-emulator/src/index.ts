/**
 * `@easel/bedrock-emulator`: a cleartext HTTP/2 server that the real
 * `@aws-sdk/client-bedrock-runtime` client talks to, so code that calls Bedrock can run and
 * be tested offline. Converse, ConverseStream, and InvokeModel for images and embeddings,
 * with deterministic synthetic answers, scripted faults, per-model quotas and a call log.
 */
import { EmulatorControl } from './control-client.ts';
import { buildEmulator } from './server.ts';
import type { EmulatorOptions } from './types.ts';

export { EmulatorControl } from './control-client.ts';
export { estimateTokens } from './tokens.ts';
export { buildEmulator, type EmulatorApp } from './server.ts';
export type { EmulatorCall, EmulatorOp, EmulatorOptions, FaultRule, QuotaLimits } from './types.ts';

export interface StartedEmulator {
  /** `http://127.0.0.1:PORT`: the `endpoint` for a BedrockRuntimeClient. */
  url: string;
  port: number;
  control: EmulatorControl;
  /** Closes the control client and the server. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts an emulator and listens: on loopback at a free port unless `options` say otherwise.
 * @example
 * const emulator = await startEmulator();
 * const client = new BedrockRuntimeClient({ region: 'ap-northeast-2', endpoint: emulator.url,
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
 * await emulator.control.fault({ modelId: '*', exception: 'ThrottlingException' });
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<StartedEmulator> {
  const host = options.host ?? '127.0.0.1';
  const { app } = buildEmulator({ streamDelayMs: options.streamDelayMs, logger: options.logger, controlToken: options.controlToken });
  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = `http://${urlHost(host)}:${port}`;
  const control = new EmulatorControl(url, options.controlToken);
  return {
    url,
    port,
    control,
    async close() {
      await control.close();
      await app.close();
    },
  };
}
