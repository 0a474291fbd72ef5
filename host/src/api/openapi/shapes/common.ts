/** Small building blocks of response schemas. */

export const text = { type: 'string' } as const;
export const bool = { type: 'boolean' } as const;
/** A count: whole numbers only (a fraction would be cut by the serializer). */
export const count = { type: 'integer', minimum: 0 } as const;
/** A measure that may have a fraction (ms, USD). */
export const amount = { type: 'number' } as const;
export const time = { type: 'string', format: 'date-time' } as const;
export const uuid = { type: 'string', format: 'uuid' } as const;
export const texts = { type: 'array', items: text } as const;

/** Any JSON value (plugin input and output, JSON Schemas written by plugin authors). */
export function anyJson(description: string) {
  return { description } as const;
}

/** An object whose keys are not fixed: kept whole. */
export function openObject(description: string) {
  return { type: 'object', additionalProperties: true, description } as const;
}

/** A closed object: `required` lists what is always there; the rest may be left out. */
export function object(properties: Record<string, unknown>, required: readonly string[] = [], description?: string) {
  return {
    type: 'object',
    additionalProperties: false,
    ...(required.length > 0 ? { required: [...required] } : {}),
    properties,
    ...(description === undefined ? {} : { description }),
  } as const;
}

export function list(items: Record<string, unknown>, description?: string) {
  return { type: 'array', items, ...(description === undefined ? {} : { description }) } as const;
}

/** `schema`, or null. */
export function orNull(schema: Record<string, unknown>) {
  const type = schema.type;
  if (typeof type === 'string') return { ...schema, type: [type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}
