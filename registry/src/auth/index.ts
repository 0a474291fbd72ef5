export { callerOf, createAuthenticator, requireCaller, type Authenticator } from './authenticate.ts';
export { ensureAdminToken } from './bootstrap.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
export { basicCredentials } from './basic.ts';
export { PasswordGuard, type PasswordLimit } from './password-guard.ts';
export { parseTokenRequest, type TokenRequest } from './token-request.ts';
