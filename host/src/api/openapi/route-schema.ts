/**
 * A route's schema, for Fastify and for the OpenAPI document at once: its request parts
 * (validated, as before), its answers (serialized by them: a field not in a response schema
 * is dropped, so each names every field its handler sends, or says `additionalProperties:
 * true` where the content is open-ended), its error answers by status, and who may call it.
 * The errors every route of a kind can answer are added here, so that a route lists only
 * its own.
 */
import type { ErrorCode } from '../../errors/index.ts';
import { errorResponses } from './errors.ts';

/** Who may call a route: no key, an admin key, an app key, or either. */
export type Audience = 'public' | 'admin' | 'app' | 'any-key';

/** A success answer: a JSON body's schema, or `{description, content}` for other media types. */
export type Answer = Record<string, unknown>;

export interface RouteDoc {
  /** The area of the API (one of document.ts's tags). */
  tag: string;
  summary: string;
  description?: string;
  audience: Audience;
  params?: Record<string, unknown>;
  querystring?: Record<string, unknown>;
  body?: Record<string, unknown>;
  /** Success answers by status. */
  ok: Record<number, Answer>;
  /** The route's own error codes (auth, validation and the host's are added). */
  errors?: readonly ErrorCode[];
  /** False for a route whose key is checked in its handler, after the per-key request limit's hook. */
  rateLimited?: boolean;
  /** Documented, not validated: request headers the route reads itself (it answers their errors). */
  docHeaders?: Record<string, unknown>;
  /** Documented, not validated: a body that is not JSON (a tarball), as `{content: {...}}`. */
  docBody?: Record<string, unknown>;
}

const AUDIENCE_NOTE: Record<Audience, string> = {
  public: 'No key needed.',
  admin: 'Needs an admin key.',
  app: 'Needs an app key.',
  'any-key': 'Needs an admin key or an app key (an app key sees its own app only).',
};

/** Errors a route can answer whatever it does. */
function implied(doc: RouteDoc): ErrorCode[] {
  const codes: ErrorCode[] = ['INTERNAL_ERROR', 'SHUTTING_DOWN'];
  if (doc.audience !== 'public') codes.push('AUTH_REQUIRED', 'AUTH_INVALID');
  if (doc.audience === 'admin' || doc.audience === 'app') codes.push('FORBIDDEN');
  // Counted per app key only (key-limits.ts).
  if ((doc.audience === 'app' || doc.audience === 'any-key') && doc.rateLimited !== false) codes.push('KEY_RATE_LIMITED');
  if (doc.params || doc.querystring || doc.body) codes.push('REQUEST_INVALID');
  if (doc.params) codes.push('URL_INVALID', 'URL_TOO_LONG');
  if (doc.body || doc.docBody) codes.push('REQUEST_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  return codes;
}

/** The `schema` of a route: validation, serialization and documentation. */
export function routeSchema(doc: RouteDoc) {
  return {
    tags: [doc.tag],
    summary: doc.summary,
    description: doc.description === undefined ? AUDIENCE_NOTE[doc.audience] : `${doc.description}\n\n${AUDIENCE_NOTE[doc.audience]}`,
    security: doc.audience === 'public' ? [] : [{ bearerAuth: [] }],
    'x-easel-audience': doc.audience,
    ...(doc.params ? { params: doc.params } : {}),
    ...(doc.querystring ? { querystring: doc.querystring } : {}),
    ...(doc.body ? { body: doc.body } : {}),
    ...(doc.docHeaders ? { docHeaders: doc.docHeaders } : {}),
    ...(doc.docBody ? { docBody: doc.docBody } : {}),
    response: responses(doc),
  };
}

/**
 * Success and error answers by status. Where a success shares its status with errors (503 of
 * /readyz), the answer is either: the serializer picks the schema the body matches, so an
 * error body is never forced into the success shape.
 */
function responses(doc: RouteDoc): Record<number, Answer> {
  const out: Record<number, Answer> = { ...errorResponses([...implied(doc), ...(doc.errors ?? [])]) };
  for (const [status, answer] of Object.entries(doc.ok)) {
    const error = out[Number(status)] as { description: string; content: { 'application/json': { schema: Answer } } } | undefined;
    if (error && answer.content === undefined) {
      const { description, ...schema } = answer;
      out[Number(status)] = { description: `${String(description)}; or an error: ${error.description}`, anyOf: [schema, error.content['application/json'].schema] };
    } else {
      out[Number(status)] = answer;
    }
  }
  return out;
}

/** A JSON answer with its description. */
export function json(description: string, schema: Record<string, unknown>): Answer {
  return { ...schema, description };
}

/** An answer without a body (204, 304). */
export function empty(description: string): Answer {
  return { type: 'null', description };
}
