/**
 * What the generated forms need of JSON Schema: which widget a schema takes, the starting
 * value, and the host's problems (`{path, message}`, JSON pointers) placed on the fields they
 * name. The host validates; the form only shapes the value and shows its answer.
 */
export type Schema = Record<string, any>;
export type Problem = { path: string; message: string };

/** A byte field: base64 text in JSON (a data: URL is accepted too), bytes to the plugin. */
export const isBytes = (s: Schema): boolean => s?.type === 'string' && s?.contentEncoding === 'base64';

/** The one type a field is edited as ("null" left aside). */
export function typeOf(s: Schema): string | undefined {
  if (Array.isArray(s?.type)) return s.type.find((t: string) => t !== 'null');
  if (typeof s?.type === 'string') return s.type;
  if (s?.properties) return 'object';
  if (s?.items) return 'array';
  return undefined;
}

/** The alternatives of an anyOf or oneOf, when that is how the schema is written. */
export function alternatives(s: Schema): Schema[] | undefined {
  const alts = s?.oneOf ?? s?.anyOf;
  // An anyOf of `required` lists only (canvas: keywords or a sketch) is a rule, not a choice.
  if (!Array.isArray(alts) || alts.length === 0) return undefined;
  if (alts.every((a: Schema) => a && typeOf(a) === undefined && !a.enum && a.const === undefined)) return undefined;
  return alts;
}

/** A short name for an alternative: its title, else what it holds. */
export function altLabel(s: Schema): string {
  if (typeof s.title === 'string') return s.title;
  const t = typeOf(s);
  if (t === 'array') return `list of ${typeOf(s.items ?? {}) === 'string' ? 'text' : (typeOf(s.items ?? {}) ?? 'values')}`;
  if (t === 'string') return isBytes(s) ? 'file' : 'text';
  return t ?? 'value';
}

/** Which alternative a value fits, by its JSON type. */
export function altIndexFor(alts: Schema[], value: unknown): number {
  const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const found = alts.findIndex((a) => {
    const t = typeOf(a);
    return t === kind || (kind === 'number' && t === 'integer');
  });
  return found === -1 ? 0 : found;
}

/** A value to start from: every property with a default gets it; nothing else is filled in. */
export function initialValue(s: Schema): any {
  if (s?.default !== undefined) return structuredClone(s.default);
  if (typeOf(s) === 'object' && s.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, sub] of Object.entries<Schema>(s.properties)) {
      const v = initialValue(sub);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  return undefined;
}

/** Sets `value` at `path` (property names) in a copy of `root`; undefined removes it. */
export function setAt(root: any, path: string[], value: unknown): any {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const copy: Record<string, unknown> = root !== null && typeof root === 'object' && !Array.isArray(root) ? { ...root } : {};
  const next = setAt(copy[head], rest, value);
  if (next === undefined || (typeof next === 'object' && next !== null && !Array.isArray(next) && Object.keys(next).length === 0 && rest.length > 0)) delete copy[head];
  else copy[head] = next;
  return copy;
}

export const pointer = (path: string[]): string => (path.length === 0 ? '/' : `/${path.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);

const REQUIRED = /^must have required property '(.+)'$/;

/**
 * The problems by the field they belong to: a problem's own path, or for "must have required
 * property 'x'" the path of x. Problems of paths no field shows stay under '/'.
 */
export function problemsByField(problems: Problem[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of problems) {
    const required = REQUIRED.exec(p.message);
    const path = required ? `${p.path === '/' ? '' : p.path}/${required[1]}` : p.path;
    const message = required ? 'is required' : p.message;
    out.set(path, [...(out.get(path) ?? []), message]);
  }
  return out;
}

/** Reads a file as a data: URL, which the host takes for a byte field. */
export function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}
