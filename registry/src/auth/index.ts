export { callerOf, createAuthenticator, requireCaller, type Authenticator } from './authenticate.ts';
export { ensureAdminToken } from './bootstrap.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
