import { useState } from 'preact/hooks';
import { ApiError, get } from '../lib/api.ts';
import { session, type Identity } from '../lib/session.ts';

export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn(identity: Identity): void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const who = await get<Identity>('/v1/whoami', undefined, { key: key.trim() });
      session.key = key.trim();
      onSignedIn(who);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That key is not valid (unknown or revoked).' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" data-page="sign-in">
      <h1>Easel console</h1>
      <p>Sign in with an admin key, or with an app key to see what that app may.</p>
      {notice && <p class="notice">{notice}</p>}
      <form onSubmit={submit} noValidate>
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="off" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} required />
        <button type="submit" disabled={busy || key.trim() === ''}>
          Sign in
        </button>
        {error && (
          <p class="error-box" role="alert">
            {error}
          </p>
        )}
      </form>
      <p class="help">The key is kept in this tab's session storage only, and sent to this host only.</p>
    </main>
  );
}
