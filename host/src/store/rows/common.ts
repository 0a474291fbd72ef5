/** Row helpers both stores share (SQLite and PostgreSQL keep the same text for times and JSON). */
import { EaselError } from '../../errors/index.ts';

export const now = (): string => new Date().toISOString();

/** JSON text for a nullable column: undefined is stored as NULL. */
export const toJson = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

export const fromJson = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

/** NULL columns become absent properties, not `undefined` ones. */
export function defined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/** A write into a plugin's rows found no such plugin (removed meanwhile, or never installed). */
export const pluginNotFound = (name: string): EaselError => new EaselError('PLUGIN_NOT_FOUND', { plugin: name });
