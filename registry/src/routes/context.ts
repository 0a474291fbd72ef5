/** What every route plugin is given. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/index.ts';
import type { PackageService } from '../packages/index.ts';
import type { RegistryKey } from '../signing/registry-key.ts';
import type { RegistryStore } from '../store/index.ts';
import type { UserService } from '../auth/user-service.ts';

export interface RouteContext {
  packages: PackageService;
  users: UserService;
  store: RegistryStore;
  auth: Authenticator;
  key: RegistryKey;
  /** The origin (and path) tarball URLs start with, without a trailing slash. */
  publicUrl: () => string;
  maxBodyBytes: number;
  /** onRequest hook of publish-like routes: a global in-flight limit, taken before the body is read. */
  publishGate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}
