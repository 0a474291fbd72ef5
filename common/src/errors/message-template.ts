/**
 * Error messages as templates kept in an error table, next to their code (as fastify's
 * `createError` keeps a message with its code), instead of a sentence written at each throw.
 * A row's `message` names its variable parts `{name}`; a throw gives their values, and the
 * compiler checks that it gives exactly the names its template has.
 */

/** The `{name}` placeholders of a template, as a union of names (`never` when it has none). */
export type TemplateNames<T extends string> = T extends `${string}{${infer Name}}${infer Rest}` ? Name | TemplateNames<Rest> : never;

/** One value per placeholder of a template. */
export type TemplateValues<T extends string> = { readonly [K in TemplateNames<T>]: string | number | boolean | bigint };

/** The arguments after the code: the values (optional when the template has none), then details. */
export type MessageArgs<T extends string, Details> = [TemplateNames<T>] extends [never]
  ? [values?: Record<string, never>, details?: Details]
  : [values: TemplateValues<T>, details?: Details];

/** A row of an error table: its HTTP status, message template, what it means and how to fix it. */
export interface ErrorRow {
  status: number;
  message: string;
  meaning: string;
  fix: string;
}

const PLACEHOLDER = /\{(\w+)\}/g;

/** The template with each `{name}` replaced by its value; a name without a value stays as written. */
export function fillTemplate(template: string, values: Readonly<Record<string, unknown>> = {}): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
}

/** The placeholder names of a template at run time (for tests and docs). */
export function templateNames(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}
