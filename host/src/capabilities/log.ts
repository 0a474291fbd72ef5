/**
 * `ctx.log`: plugin log lines into the host's pino log, tagged with plugin and execution, and
 * to `onLine` (the live plugin log streams) when given.
 */
import type { FastifyBaseLogger } from 'fastify';
import { EaselError } from '../errors/index.ts';
import type { Capability } from './capability.ts';

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A plugin's log line as it was accepted, for live readers. */
export interface PluginLogLine {
  plugin: string;
  level: LogLevel;
  message: string;
  fields?: object;
  executionId: string;
}

export function logCapability(logger: FastifyBaseLogger, maxLineBytes: number, onLine?: (line: PluginLogLine) => void): Capability {
  return {
    name: 'log',
    // Every plugin may log, an estimate hook too: a line costs nothing and reaches nobody else.
    allows: () => true,
    inPreview: true,
    async handle({ caller }, op, args) {
      if (!LEVELS.has(op)) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `log has no level ${op}` });
      const level = op as LogLevel;
      const message = String(args.message ?? '');
      const fields = args.fields !== null && typeof args.fields === 'object' ? args.fields : undefined;
      if (Buffer.byteLength(message) + Buffer.byteLength(JSON.stringify(fields ?? {})) > maxLineBytes) {
        throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `a log line is capped at ${maxLineBytes} bytes` });
      }
      // Plugin fields sit under `fields` so they can never overwrite the host's own keys.
      logger[level]({ plugin: caller.pluginName, version: caller.pluginVersion, executionId: caller.executionId, source: 'plugin', fields }, message);
      onLine?.({ plugin: caller.pluginName, level, message, ...(fields ? { fields } : {}), executionId: caller.executionId });
      return undefined;
    },
  };
}
