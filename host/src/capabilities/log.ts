/** `ctx.log`: plugin log lines into the host's pino log, tagged with plugin and execution. */
import type { FastifyBaseLogger } from 'fastify';
import { EaselError } from '../errors/index.ts';
import type { BridgeCaller } from '../sandbox/index.ts';

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

export function logCapability(logger: FastifyBaseLogger, maxLineBytes: number) {
  return async (caller: BridgeCaller, op: string, args: Record<string, unknown>): Promise<unknown> => {
    if (!LEVELS.has(op)) throw new EaselError('BRIDGE_ARGUMENT_INVALID', `log has no level ${op}`);
    const message = String(args.message ?? '');
    const fields = args.fields !== null && typeof args.fields === 'object' ? args.fields : undefined;
    if (Buffer.byteLength(message) + Buffer.byteLength(JSON.stringify(fields ?? {})) > maxLineBytes) {
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', `a log line is capped at ${maxLineBytes} bytes`);
    }
    // Plugin fields sit under `fields` so they can never overwrite the host's own keys.
    logger[op as 'info']({ plugin: caller.pluginName, version: caller.pluginVersion, executionId: caller.executionId, source: 'plugin', fields }, message);
    return undefined;
  };
}
