/**
 * An API error as a person reads it: its code and message, its problems, and for a refused
 * install the resolver's explanation (who requires what, and why each version was rejected).
 */
import { ApiError } from '../lib/api.ts';

export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(0, 'ERROR', (error as Error)?.message ?? String(error));
  const d = e.details ?? {};
  const explained = e.code === 'RESOLVE_CONFLICT' || e.code === 'RESOLVE_CYCLE' || (e.code === 'PACKAGE_NOT_FOUND' && Array.isArray(d.chain));
  // The resolver's message repeats its explanation as text: its first line heads the structured one.
  const message = explained ? e.message.split('\n')[0] : e.message;
  return (
    <div class="error-box" role="alert" data-code={e.code}>
      <p class="message">
        {title && <strong>{title}: </strong>}
        <code class="code">{e.code}</code> {message}
      </p>
      {e.problems.length > 0 && (
        <ul>
          {e.problems.map((p) => (
            <li>
              <code>{p.path}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
      {explained && <ResolveExplanation details={d} />}
      {Array.isArray(d.dependents) && d.dependents.length > 0 && (
        <p>
          Depended on by: <strong>{d.dependents.map((x: any) => (typeof x === 'string' ? x : `${x.name}${x.range ? ` (${x.range})` : ''}`)).join(', ')}</strong>
        </p>
      )}
      {Array.isArray(d.dependencies) && d.dependencies.length > 0 && (
        <p>
          Dependencies not ready: <strong>{d.dependencies.map((x: any) => (typeof x === 'string' ? x : `${x.name}${x.range ? `@${x.range}` : ''}${x.found ? ` (${x.found})` : ''}`)).join('; ')}</strong>
        </p>
      )}
    </div>
  );
}

const REASONS: Record<string, string> = {
  yanked: 'yanked',
  'host-range': 'does not run on this host',
  prerelease: 'a prerelease (not asked for)',
  conflict: 'outside a required range',
  acceptable: 'acceptable, ruled out by other choices',
};

export function ResolveExplanation({ details }: { details: Record<string, any> }) {
  const chain: any[] = Array.isArray(details.chain) ? details.chain : [];
  const requirements: any[] = Array.isArray(details.requirements) ? details.requirements : [];
  const considered: any[] = Array.isArray(details.considered) ? details.considered : [];
  return (
    <div class="resolve-explanation">
      {details.package && (
        <p>
          No version of <strong>{details.package}</strong> fits.
        </p>
      )}
      {Array.isArray(details.cycle) && (
        <p>
          Cycle: <code>{details.cycle.join(' → ')}</code>
        </p>
      )}
      {chain.length > 0 && (
        <>
          <h4>Who requires what</h4>
          <ol class="chain">
            {chain.map((r) => (
              <li>
                <strong>{r.by}</strong> requires <strong>{r.name}</strong> <code>{r.range}</code>
              </li>
            ))}
          </ol>
        </>
      )}
      {requirements.length > 0 && (
        <>
          <h4>Ranges on {details.package}</h4>
          <ul>
            {requirements.map((r) => (
              <li>
                <code>{r.range}</code> from <strong>{r.by}</strong>
              </li>
            ))}
          </ul>
        </>
      )}
      {considered.length > 0 && (
        <>
          <h4>Versions considered</h4>
          <table class="compact">
            <thead>
              <tr>
                <th>version</th>
                <th>why not</th>
                <th>detail</th>
              </tr>
            </thead>
            <tbody>
              {considered.map((c) => (
                <tr>
                  <td>{c.version}</td>
                  <td>{REASONS[c.reason] ?? c.reason}</td>
                  <td>{c.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {details.suggestion && (
        <p class="suggestion">
          <strong>Suggestion:</strong> {details.suggestion}
        </p>
      )}
    </div>
  );
}
