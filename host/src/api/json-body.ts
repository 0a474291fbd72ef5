/**
 * JSON request bodies are held to the host's JSON limits (EASEL_JSON_MAX_DEPTH,
 * EASEL_JSON_MAX_NODES) on their text, before they are parsed: `JSON.parse` itself survives
 * deep nesting, but an 8 MB body of `[` becomes millions of nested arrays (hundreds of MB in
 * the HTTP process, most of a second of its CPU) before any check on the value could refuse
 * it. Within the limits the body goes to Fastify's own JSON parser (prototype poisoning
 * refused as configured), and the value is checked again where it becomes an input.
 */
import type { FastifyInstance } from 'fastify';
import { jsonTextLimitProblem, type JsonLimits } from '@easel/sdk/isolate';
import { EaselError } from '../errors/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body is a plugin's input: past the JSON limits it is INPUT_INVALID (else REQUEST_INVALID). */
    pluginInput?: boolean;
  }
}

/** Replaces the `application/json` parser of `app` (and of every route registered after) with one that checks the limits first. */
export function installJsonBodyLimits(app: FastifyInstance, limits: JsonLimits): void {
  const parse = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' as const }, (req, body: string, done) => {
    const problem = jsonTextLimitProblem(body, limits);
    if (!problem) {
      parse(req, body, done);
      return;
    }
    const input = req.routeOptions.config?.pluginInput === true;
    const details = { problems: [{ path: problem.path, message: problem.message }] };
    const error = input ? new EaselError('INPUT_INVALID', { problem: problem.message }, details) : new EaselError('REQUEST_INVALID', { reason: `the body ${problem.message}` }, details);
    done(error, undefined);
  });
}
