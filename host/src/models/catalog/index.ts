/**
 * The model catalog: data (ap-northeast-2.json, with its sources and verifiedAt), replaced
 * whole by `EASEL_MODELS_CATALOG_FILE` or changed field by field by
 * `EASEL_MODELS_OVERRIDES_FILE` (prices, quotas, availability). Validated once at start;
 * every problem is reported together; the result is frozen.
 */
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Catalog, CatalogModel } from '../types.ts';
import { CATALOG_SCHEMA, OVERRIDES_SCHEMA } from './schema.ts';

export const DEFAULT_CATALOG_FILE = new URL('./ap-northeast-2.json', import.meta.url);

export class CatalogError extends Error {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'CatalogError';
    this.problems = problems;
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateCatalog = ajv.compile(CATALOG_SCHEMA);
const validateOverrides = ajv.compile(OVERRIDES_SCHEMA);

async function readJson(file: string | URL): Promise<unknown> {
  const where = String(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CatalogError(where, [`cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CatalogError(where, [`not JSON: ${(error as Error).message}`]);
  }
}

function schemaProblems(errors: typeof validateCatalog.errors): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/** Problems a schema cannot see: duplicate ids, available models without the prices their tasks bill by. */
export function catalogProblems(catalog: Catalog): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  catalog.models.forEach((m, i) => {
    if (seen.has(m.id)) problems.push(`/models/${i} duplicate id ${m.id}`);
    seen.add(m.id);
    if (!m.available) return;
    const textLike = m.tasks.some((t) => t === 'text' || t === 'structured');
    if (textLike && (m.prices.inputPer1k === undefined || m.prices.outputPer1k === undefined)) {
      problems.push(`/models/${i} ${m.id} does text but has no inputPer1k/outputPer1k price`);
    }
    if (m.tasks.includes('embedding') && m.prices.inputPer1k === undefined) problems.push(`/models/${i} ${m.id} does embeddings but has no inputPer1k price`);
    if (m.tasks.includes('image') && !m.prices.images) problems.push(`/models/${i} ${m.id} does images but has no image prices`);
  });
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export async function loadCatalog(options: { file?: string; overridesFile?: string } = {}): Promise<Catalog> {
  const file = options.file ?? DEFAULT_CATALOG_FILE;
  const raw = await readJson(file);
  if (!validateCatalog(raw)) throw new CatalogError(String(file), schemaProblems(validateCatalog.errors));
  const catalog = structuredClone(raw) as unknown as Catalog;
  if (options.overridesFile) {
    const overrides = await readJson(options.overridesFile);
    if (!validateOverrides(overrides)) throw new CatalogError(options.overridesFile, schemaProblems(validateOverrides.errors));
    const changes = (overrides as { models: Record<string, Partial<CatalogModel>>; verifiedAt?: string }).models;
    const unknown = Object.keys(changes).filter((id) => !catalog.models.some((m) => m.id === id));
    if (unknown.length > 0) throw new CatalogError(options.overridesFile, unknown.map((id) => `/models/${id} is not in the catalog`));
    catalog.models = catalog.models.map((m) => {
      const change = changes[m.id];
      if (!change) return m;
      return { ...m, ...change, prices: { ...m.prices, ...change.prices }, quotas: { ...m.quotas, ...change.quotas } };
    });
  }
  const problems = catalogProblems(catalog);
  if (problems.length > 0) throw new CatalogError(options.overridesFile ?? String(file), problems);
  return deepFreeze(catalog);
}
