/** npm's user routes: legacy login/adduser, user lookup, whoami, logout. */
import type { FastifyPluginAsync } from 'fastify';
import { RegistryError } from '../../errors/index.ts';
import { basicCredentials, requireCaller } from '../../auth/index.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses, security } from '../schemas/common.ts';
import { loginSchema, userBodySchema, userSchema } from '../schemas/npm.ts';

const PREFIX = 'org.couchdb.user:';

function userOf(id: string): string {
  if (!id.startsWith(PREFIX) || id.length === PREFIX.length) throw new RegistryError('REQUEST_INVALID', { field: 'the path', problem: `must be /-/user/${PREFIX}<name>` });
  return id.slice(PREFIX.length);
}

type Json = Record<string, unknown>;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', description: '`org.couchdb.user:<name>`' } },
} as const;

export const userRoutes: FastifyPluginAsync<RouteContext> = async (app, { users, store, auth }) => {
  app.put<{ Params: { id: string }; Body: Json | null | undefined }>(
    '/-/user/:id',
    {
      schema: {
        tags: ['users'],
        operationId: 'login',
        summary: '`npm login` / `npm adduser`: creates the user (when sign-up is open, or with the admin token) or checks the password; answers a new token',
        description: 'An existing name with a wrong password is 409 `USER_EXISTS`, which npm answers by retrying `PUT /-/user/:id/-rev/:rev` with Basic auth',
        security: security.optional,
        params: idParams,
        body: userBodySchema,
        response: { 201: loginSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const name = userOf(request.params.id);
      const body = request.body ?? {};
      if (body.name !== undefined && body.name !== name) throw new RegistryError('REQUEST_INVALID', { field: 'the body', problem: 'names another user than the path' });
      // An admin token may create users when sign-up is closed. A stale token is ignored here:
      // npm sends the one in .npmrc, and logging in again is how a user replaces it.
      const caller = request.headers.authorization?.startsWith('Bearer ') ? await store.tokens.resolve(request.headers.authorization.slice(7)) : undefined;
      const { created, token } = await users.login(name, body.password, body.email, caller, request.ip);
      return reply.status(201).send({ ok: created ? `user '${name}' created` : `you are authenticated as '${name}'`, id: `${PREFIX}${name}`, token });
    },
  );

  // npm's login retries here with Basic auth after a 409; the password decides.
  app.put<{ Params: { id: string; rev: string } }>(
    '/-/user/:id/-rev/:rev',
    {
      schema: {
        tags: ['users'],
        operationId: 'loginBasic',
        summary: "npm's second login step: HTTP Basic `name:password` gets a new token",
        security: security.basic,
        params: { type: 'object', required: ['id', 'rev'], properties: { ...idParams.properties, rev: { type: 'string', description: 'Any revision (not checked)' } } },
        body: { ...userBodySchema, description: "npm's user document again: not read" },
        response: { 201: loginSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const name = userOf(request.params.id);
      const basic = basicCredentials(request);
      if (!basic || basic.name !== name || !(await users.checkPassword(name, basic.password, request.ip))) {
        throw new RegistryError('AUTH_INVALID', { credentials: `user name or password for ${name}` });
      }
      return reply.status(201).send({ ok: `you are authenticated as '${name}'`, id: `${PREFIX}${name}`, token: (await store.tokens.issue(name)).token });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/-/user/:id',
    {
      schema: {
        tags: ['users'],
        operationId: 'getUser',
        summary: 'A user (name and sign-up date)',
        security: security.none,
        params: idParams,
        response: { 200: userSchema, ...errorResponses },
      },
    },
    async (request) => {
      const name = userOf(request.params.id);
      const user = await store.users.get(name);
      if (!user) throw new RegistryError('USER_NOT_FOUND', { user: JSON.stringify(name) });
      return { _id: `${PREFIX}${name}`, _rev: '1-0', name, type: 'user', roles: [], date: user.createdAt };
    },
  );

  app.get(
    '/-/whoami',
    {
      onRequest: auth.any,
      schema: {
        tags: ['users'],
        operationId: 'whoami',
        summary: '`npm whoami` (the admin token is `~admin`)',
        security: security.bearer,
        response: { 200: { type: 'object', required: ['username'], additionalProperties: false, properties: { username: { type: 'string' } } }, ...errorResponses },
      },
    },
    async (request) => ({ username: requireCaller(request).name }),
  );

  app.delete<{ Params: { token: string } }>(
    '/-/user/token/:token',
    {
      onRequest: auth.any,
      schema: {
        tags: ['users'],
        operationId: 'logout',
        summary: '`npm logout`: revokes the token in the path when it is the caller\'s (the admin: any); answers the same either way',
        security: security.bearer,
        params: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } },
        response: { 200: { type: 'object', required: ['ok'], additionalProperties: false, properties: { ok: { type: 'boolean', const: true } } }, ...errorResponses },
      },
    },
    async (request) => {
      const target = await store.tokens.resolve(request.params.token);
      const me = requireCaller(request);
      // Only your own tokens (the admin may revoke any).
      if (target && (me.role === 'admin' || (target.role === 'user' && target.name === me.name))) await store.tokens.revoke(request.params.token);
      return { ok: true };
    },
  );
};
