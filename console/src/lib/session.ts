/**
 * The signed-in key, kept in sessionStorage: it lives as long as the tab and is never written
 * to disk by the page. `runKey` is an app key an admin may add to run agents and workflows
 * (admin keys run nothing).
 */
export interface Identity {
  keyId: string;
  role: 'admin' | 'app';
  label: string;
  appId?: string;
  appName?: string | null;
}

const KEY = 'easel.console.key';
const RUN_KEY = 'easel.console.runKey';

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  set key(value: string | null) {
    if (value === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, value);
  },
  get runKey(): string | null {
    return sessionStorage.getItem(RUN_KEY);
  },
  set runKey(value: string | null) {
    if (value === null) sessionStorage.removeItem(RUN_KEY);
    else sessionStorage.setItem(RUN_KEY, value);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(RUN_KEY);
  },
};
