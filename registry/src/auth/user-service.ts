/**
 * npm's legacy (CouchDB-style) login: `PUT /-/user/org.couchdb.user:NAME` creates the user
 * or logs in, answering a new token. As verdaccio does, an existing name with a wrong
 * password is 409, which npm's adduser-then-login flow expects. Every password check goes
 * through the PasswordGuard (failures limited per user name and per client address).
 */
import { RegistryError } from '../errors/index.ts';
import type { Principal, RegistryStore } from '../store/index.ts';
import type { PasswordGuard } from './password-guard.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

export interface LoginResult {
  created: boolean;
  token: string;
}

export class UserService {
  #store: RegistryStore;
  #openSignup: boolean;
  #guard: PasswordGuard;

  constructor(store: RegistryStore, openSignup: boolean, guard: PasswordGuard) {
    this.#store = store;
    this.#openSignup = openSignup;
    this.#guard = guard;
  }

  /** Creates the user (when allowed) or checks the password; either way issues a token. `address`: the client's. */
  async login(name: string, password: unknown, email: unknown, caller: Principal | undefined, address: string): Promise<LoginResult> {
    if (typeof password !== 'string' || password.length === 0) throw new RegistryError('USER_INVALID', { field: 'password', problem: 'is required' });
    if (await this.#store.users.get(name)) {
      if (!(await this.checkPassword(name, password, address))) {
        throw new RegistryError('USER_EXISTS', { user: name });
      }
      return { created: false, token: (await this.#store.tokens.issue(name)).token };
    }
    if (!this.#openSignup && caller?.role !== 'admin') throw new RegistryError('SIGNUP_CLOSED');
    if (!USER_NAME.test(name)) throw new RegistryError('USER_INVALID', {
        field: `user name ${JSON.stringify(name.slice(0, 80))}`,
        problem: "may have only lowercase letters, digits, '.', '_' and '-', at most 64",
      });
    if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
      throw new RegistryError('USER_INVALID', { field: 'password', problem: `must have ${MIN_PASSWORD} to ${MAX_PASSWORD} characters` });
    }
    const created = await this.#store.users.create({
      name,
      passwordHash: await hashPassword(password),
      ...(typeof email === 'string' && email.length <= 254 ? { email } : {}),
    });
    // Lost a race with another sign-up of the same name: that one's password decides.
    if (!created) return this.login(name, password, email, caller, address);
    return { created: true, token: (await this.#store.tokens.issue(name)).token };
  }

  /**
   * True when `name` exists and `password` is theirs (npm's second login step, the token
   * API). Throws LOGIN_RATE_LIMITED past the failure limit for the name or the address.
   */
  async checkPassword(name: string, password: string, address: string): Promise<boolean> {
    return this.#guard.check(name, address, async () => {
      const user = await this.#store.users.get(name);
      return user !== undefined && (await verifyPassword(password, user.passwordHash));
    });
  }
}
