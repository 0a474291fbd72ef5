/** Route schema fragments shared by the API's resources. */
export const pluginName = { type: 'string', pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 64 } as const;

/** Agent, capability and workflow names: kebab-case, like plugin names. */
export const kebab = pluginName;

export const permissions = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kv: { type: 'boolean' },
    storage: { type: 'object', additionalProperties: false, properties: { read: { type: 'boolean' }, write: { type: 'boolean' } } },
    models: {
      type: 'object',
      additionalProperties: false,
      required: ['tasks', 'maxTier'],
      properties: {
        tasks: { type: 'array', uniqueItems: true, items: { enum: ['text', 'structured', 'image', 'embedding'] } },
        maxTier: { enum: ['basic', 'standard', 'premium'] },
      },
    },
    agents: { type: 'array', uniqueItems: true, items: { type: 'string', maxLength: 129 } },
  },
} as const;

/** An app's end-user id: 1 to 128 characters, no control characters. */
export const userId = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } as const;

/** An app's (tenant's) id: a UUID, or the id of the key it was made for (also a UUID). */
export const appId = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' } as const;
