/**
 * The one handler every peer target runs: parse `{keyword, style, n}`, build a prompt string,
 * return JSON. Each target runs this very text (`HANDLER_SOURCE`): Fastify calls the function,
 * node:vm and quickjs evaluate the text, workerd and the Easel plugin get it in their module.
 */
export function handle(input: any) {
  if (typeof input !== 'object' || input === null) throw new TypeError('the input must be an object');
  const keyword = String(input.keyword ?? '').slice(0, 100);
  const style = String(input.style ?? 'plain').slice(0, 40);
  const n = Math.max(1, Math.min(10, Math.floor(Number(input.n)) || 1));
  const lines = [];
  for (let i = 1; i <= n; i++) lines.push(`${i}. A ${style} line about ${keyword}.`);
  return { prompt: `You write short copy.\nKeyword: ${keyword}\nStyle: ${style}\n${lines.join('\n')}`, keyword, style, n };
}

/** The handler as script text (a function declaration named `handle`). */
export const HANDLER_SOURCE = handle.toString();

/** The body every request sends. */
export const INPUT = { keyword: 'lighthouse', style: 'playful', n: 3 };
