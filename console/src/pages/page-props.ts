/** What the shell (app.tsx) gives every page: who signed in, and the address's parts. */
import type { Identity } from '../lib/session.ts';

export interface PageProps {
  identity: Identity;
  params: Record<string, string>;
  query: URLSearchParams;
}
