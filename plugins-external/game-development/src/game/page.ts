/** The single-file HTML page around the game script. */
import type { Language } from '../schemas/common.ts';
import type { GameSpec } from '../schemas/code.ts';
import { escapeHtml, jsonForScript } from './escape.ts';
import { SCRIPT_HEAD, SCRIPT_TAIL } from './template.ts';
import type { Labels } from './spec.ts';

/** What the script embeds: the spec and the fixed words. */
export type RuntimeSpec = GameSpec & { labels: Labels };

export function gameScript(spec: RuntimeSpec): string {
  return SCRIPT_HEAD + jsonForScript(spec) + SCRIPT_TAIL;
}

export function gamePage(spec: RuntimeSpec, script: string, language: Language): string {
  const t = escapeHtml;
  return `<!DOCTYPE html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t(spec.title)}</title>
<style>
  body { margin: 0; padding: 16px; background: #0b0d12; color: #e8e8e8; font-family: system-ui, sans-serif; display: flex; flex-direction: column; align-items: center; }
  h1 { margin: 0 0 4px; font-size: 28px; }
  .tagline { margin: 0 0 12px; opacity: 0.8; }
  canvas { width: 100%; max-width: 800px; height: auto; border: 2px solid #333; border-radius: 6px; touch-action: none; }
  .help { max-width: 800px; line-height: 1.5; }
</style>
</head>
<body>
<h1>${t(spec.title)}</h1>
<p class="tagline">${t(spec.tagline)}</p>
<canvas id="game" width="800" height="600"></canvas>
<p class="help">${t(spec.instructions)}</p>
<p class="help">${t(spec.labels.controls)}</p>
<script>
${script}
</script>
</body>
</html>
`;
}
