/**
 * The prototype builder: the script always parses (checked here with node:vm and new Function,
 * independently of the plugin's own check), it plays (run against a stub browser), and nothing
 * a model writes can break out of its string or its tag.
 */
import { Script } from 'node:vm';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { buildGame } from '../src/agents/code-generator.ts';
import { checkParses, safeInHtml, templateInvariantHolds } from '../src/game/check.ts';
import { escapeHtml, jsonForScript } from '../src/game/escape.ts';
import { contrast, normalizeSpec, readableText } from '../src/game/spec.ts';
import { SCRIPT_HEAD, SCRIPT_TAIL } from '../src/game/template.ts';
import type { GameSpec } from '../src/schemas/code.ts';
import { answerFor } from './fixtures.ts';
import { runGame } from './game-runtime.ts';

const schema = { required: ['player'] };
const specOf = (overrides: Record<string, unknown> = {}, lang: 'ko' | 'en' = 'en') => answerFor({ schema }, lang, { spec: overrides }) as GameSpec;

const HOSTILE = {
  title: '</script><script>alert(1)</script>',
  tagline: 'He said "hi" and \'bye\' \\ back\\slash \\u0041 ${x} `tick`',
  instructions: '<!-- <img src=x onerror=alert(1)> --> & </SCRIPT >',
  winText: 'line\u2028sep\u2029para\u0000nul',
  loseText: "'); alert(1); ('",
  player: { name: '</script>', shape: 'circle', color: '#4fc3f7', size: 16, speed: 240 },
};

/** The script element's body, as a browser would cut it out of the page. */
function scriptIn(html: string): string {
  const start = html.indexOf('<script>') + '<script>'.length;
  return html.slice(start, html.toLowerCase().indexOf('</script', start)).replace(/^\n|\n$/g, '');
}

afterEach(() => vi.unstubAllGlobals());

describe('the built game parses', () => {
  test.each(['ko', 'en'] as const)('%s: node:vm and new Function both compile it; the plugin says so too', (lang) => {
    const game = buildGame(specOf({}, lang), 'normal', lang);
    expect(() => new Script(game.script)).not.toThrow();
    expect(() => new Function(game.script)).not.toThrow();
    expect(game.checks).toEqual({
      parses: true,
      parseCheck: 'function-constructor',
      safeInHtml: true,
      bytes: game.html.length,
      features: ['requestAnimationFrame', 'keyboard', 'touch', 'collision', 'score', 'win-lose', 'restart'],
    });
    expect(scriptIn(game.html)).toBe(game.script);
    expect(game.html).toMatch(new RegExp(`<html lang="${lang}">`));
  });

  test('the template itself has no backtick, ${ or </ (it is a template literal here and inside <script> there)', () => {
    for (const part of [SCRIPT_HEAD, SCRIPT_TAIL]) {
      expect(part).not.toMatch(/`|\$\{|<\//);
    }
  });
});

describe('hostile text from the model', () => {
  const game = buildGame(specOf(HOSTILE), 'normal', 'en');

  test('cannot end the script element or open a comment in it', () => {
    expect(game.script).not.toMatch(/<\/script|<!--|<script/i);
    expect(safeInHtml(game.script)).toBe(true);
    expect(game.html.match(/<script/gi)).toHaveLength(1);
    expect(game.html.match(/<\/script/gi)).toHaveLength(1);
    expect(scriptIn(game.html)).toBe(game.script);
  });

  test('is escaped in the markup', () => {
    expect(game.html).toContain('<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(game.html).toContain('He said &quot;hi&quot; and &#39;bye&#39;');
    expect(game.html).toContain('&lt;!-- &lt;img src=x onerror=alert(1)&gt; --&gt; &amp; &lt;/SCRIPT &gt;');
    expect(game.html).not.toContain('<img');
  });

  test('parses, and arrives in the running game exactly as written', () => {
    expect(() => new Script(game.script)).not.toThrow();
    expect(checkParses(game.script)).toEqual({ parses: true, parseCheck: 'function-constructor' });
    const running = runGame(game.script);
    expect(running.errors).toEqual([]);
    for (const field of ['title', 'tagline', 'instructions', 'winText', 'loseText'] as const) expect(running.spec[field]).toBe(HOSTILE[field]);
    expect(running.spec.player.name).toBe('</script>');
  });
});

describe('the game plays', () => {
  test('keys move the player; arrows are kept from scrolling the page', () => {
    const game = runGame(buildGame(specOf({ hazard: { ...specOf().hazard, count: 0 } }), 'normal', 'en').script);
    game.frames(1);
    const x0 = game.state().player.x;
    expect(game.key('keydown', 'ArrowRight').prevented).toBe(true);
    game.frames(10);
    game.key('keyup', 'ArrowRight');
    expect(game.state().player.x).toBeGreaterThan(x0);
    const y0 = game.state().player.y;
    game.key('keydown', 'w');
    game.frames(10);
    expect(game.state().player.y).toBeLessThan(y0);
    expect(game.errors).toEqual([]);
  });

  test('arrows-only controls ignore WASD', () => {
    const game = runGame(buildGame(specOf({ controls: 'arrows', hazard: { ...specOf().hazard, count: 0 } }), 'normal', 'en').script);
    game.frames(1);
    const x0 = game.state().player.x;
    game.key('keydown', 'd');
    game.frames(10);
    expect(game.state().player.x).toBe(x0);
  });

  test('dragging moves the player toward the pointer', () => {
    const game = runGame(buildGame(specOf({ hazard: { ...specOf().hazard, count: 0 } }), 'normal', 'en').script);
    game.frames(1);
    const x0 = game.state().player.x;
    game.pointer('pointerdown', 790, game.state().player.y);
    game.frames(10);
    expect(game.state().player.x).toBeGreaterThan(x0);
  });

  test('collecting scores, reaching the target wins, the HUD and the win line are drawn', () => {
    const spec = specOf({ hazard: { ...specOf().hazard, count: 0 }, goal: { type: 'score', target: 20 } });
    const game = runGame(buildGame(spec, 'normal', 'en').script);
    game.frames(1);
    const s = game.state();
    s.items[0] = { ...s.player };
    game.frames(1);
    expect(game.state().score).toBe(10);
    expect(game.state().over).toBe(false);
    game.state().items[0] = { ...game.state().player };
    game.frames(2);
    expect(game.state()).toMatchObject({ score: 20, over: true, won: true });
    expect(game.texts).toContain('Score: 10 / 20');
    expect(game.texts).toContain('You win!');
  });

  test('hazards take lives; the last one loses; Enter restarts', () => {
    const game = runGame(buildGame(specOf({ lives: 2 }, 'ko'), 'normal', 'ko').script);
    game.frames(1);
    const hit = () => {
      const s = game.state();
      s.invulnerable = 0;
      s.hazards[0]!.x = s.player.x;
      s.hazards[0]!.y = s.player.y;
      game.frames(1);
    };
    hit();
    expect(game.state()).toMatchObject({ lives: 1, over: false });
    hit();
    expect(game.state()).toMatchObject({ lives: 0, over: true, won: false });
    expect(game.texts).toContain('패배...');
    expect(game.texts.some((t) => t.startsWith('Enter'))).toBe(true);
    game.key('keydown', 'Enter');
    expect(game.state()).toMatchObject({ lives: 2, score: 0, over: false });
    expect(game.errors).toEqual([]);
  });

  test('a survive goal is won by lasting the seconds', () => {
    const game = runGame(buildGame(specOf({ hazard: { ...specOf().hazard, count: 0 }, goal: { type: 'survive', target: 15 } }), 'normal', 'en').script);
    game.frames(1000);
    expect(game.state()).toMatchObject({ over: true, won: true });
  });

  test('chasing hazards close in; falling hazards fall', () => {
    const chase = runGame(buildGame(specOf({ hazard: { ...specOf().hazard, behavior: 'chase', count: 1 } }), 'normal', 'en').script);
    chase.frames(1);
    const d = () => Math.hypot(chase.state().hazards[0]!.x - chase.state().player.x, chase.state().hazards[0]!.y - chase.state().player.y);
    const before = d();
    chase.frames(5);
    expect(d()).toBeLessThan(before);
    const fall = runGame(buildGame(specOf({ hazard: { ...specOf().hazard, behavior: 'fall', count: 1 } }), 'normal', 'en').script);
    fall.frames(1);
    const y0 = fall.state().hazards[0]!.y;
    fall.frames(5);
    expect(fall.state().hazards[0]!.y).toBeGreaterThan(y0);
  });
});

describe('the spec is made safe to play', () => {
  test('numbers outside their bounds are clamped, bad colours replaced, survive targets kept in seconds', () => {
    const wild = specOf({
      player: { name: 'P', shape: 'circle', color: 'red', size: 500, speed: -3 },
      collectible: { name: 'C', shape: 'square', color: '#12345', size: 0.2, points: 1e6, count: 99 },
      hazard: { name: 'H', shape: 'triangle', color: '#ABCDEF', size: 3, speed: 1e9, count: -4, behavior: 'bounce' },
      goal: { type: 'survive', target: 1000 },
      lives: 40,
      background: 'url(javascript:alert(1))',
    });
    const s = normalizeSpec(wild, 'normal');
    expect(s.player).toMatchObject({ color: '#4fc3f7', size: 40, speed: 120 });
    expect(s.collectible).toMatchObject({ color: '#ffd54f', size: 6, points: 100, count: 12 });
    expect(s.hazard).toMatchObject({ color: '#abcdef', size: 8, speed: 360, count: 0 });
    expect(s.goal).toEqual({ type: 'survive', target: 300 });
    expect(s.lives).toBe(9);
    expect(s.background).toBe('#101820');
  });

  test('difficulty scales hazards and lives', () => {
    const base = specOf();
    expect(normalizeSpec(base, 'easy')).toMatchObject({ lives: 4, hazard: { speed: 90, count: 3 } });
    expect(normalizeSpec(base, 'normal')).toMatchObject({ lives: 3, hazard: { speed: 120, count: 4 } });
    expect(normalizeSpec(base, 'hard')).toMatchObject({ lives: 2, hazard: { speed: 150, count: 5 } });
  });

  test('text that would not stand out from the field becomes white or black', () => {
    expect(readableText('#111111', '#101820')).toBe('#ffffff');
    expect(readableText('#fafafa', '#ffffff')).toBe('#000000');
    expect(readableText('#ffd54f', '#101820')).toBe('#ffd54f');
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  });
});

describe('the parse check', () => {
  test('a syntax error is caught', () => {
    expect(checkParses('var x = ;')).toMatchObject({ parses: false, parseCheck: 'function-constructor' });
  });

  test('where compiling strings is forbidden, the template invariant decides', () => {
    const good = buildGame(specOf(HOSTILE), 'normal', 'en').script;
    vi.stubGlobal(
      'Function',
      class {
        constructor() {
          throw new EvalError('Code generation from strings disallowed for this context');
        }
      },
    );
    expect(checkParses(good)).toEqual({ parses: true, parseCheck: 'template-invariant' });
    expect(checkParses(`${SCRIPT_HEAD}1);alert(1);(${SCRIPT_TAIL}`)).toEqual({ parses: false, parseCheck: 'template-invariant' });
  });

  test('the invariant accepts only head + canonical escaped JSON + tail', () => {
    const good = buildGame(specOf(), 'normal', 'en').script;
    expect(templateInvariantHolds(good)).toBe(true);
    expect(templateInvariantHolds(`${good} `)).toBe(false);
    expect(templateInvariantHolds(`${SCRIPT_HEAD}{"a":"</script>"}${SCRIPT_TAIL}`)).toBe(false);
    expect(templateInvariantHolds(`${SCRIPT_HEAD}${jsonForScript({ a: '</script>' })}${SCRIPT_TAIL}`)).toBe(true);
  });
});

describe('escaping', () => {
  test('HTML text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  test('a script value: evaluates back to the same value, with no <, > or & left', () => {
    const value = { s: '</script><!-- & \u2028\u2029 "\'\\ \ud800', n: [1, null, true] };
    const literal = jsonForScript(value);
    expect(literal).not.toMatch(/[<>&\u2028\u2029]/);
    expect(new Script(`(${literal})`).runInNewContext()).toEqual(value);
  });
});
