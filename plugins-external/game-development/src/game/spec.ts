/** The model's game spec made safe to play: numbers clamped, colours checked, difficulty applied. */
import type { Language } from '../schemas/common.ts';
import { SPEC_BOUNDS as B, type Difficulty, type GameSpec } from '../schemas/code.ts';

const HEX = /^#[0-9a-fA-F]{6}$/;

function clamp(value: number, [lo, hi]: readonly [number, number]): number {
  return Number.isFinite(value) ? Math.min(hi, Math.max(lo, Math.round(value))) : lo;
}

function color(value: string, fallback: string): string {
  return HEX.test(value) ? value.toLowerCase() : fallback;
}

/** WCAG relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Readable text: the model's colour when it stands out from the field (3:1), else white or black. */
export function readableText(text: string, background: string): string {
  if (contrast(text, background) >= 3) return text;
  return contrast('#ffffff', background) >= contrast('#000000', background) ? '#ffffff' : '#000000';
}

const TUNING: Readonly<Record<Difficulty, { speed: number; count: number; lives: number }>> = {
  easy: { speed: 0.75, count: -1, lives: 1 },
  normal: { speed: 1, count: 0, lives: 0 },
  hard: { speed: 1.25, count: 1, lives: -1 },
};

export function normalizeSpec(spec: GameSpec, difficulty: Difficulty): GameSpec {
  const t = TUNING[difficulty];
  const background = color(spec.background, '#101820');
  const goalBounds = spec.goal.type === 'survive' ? B.surviveSeconds : B.scoreTarget;
  return {
    ...spec,
    player: { ...spec.player, color: color(spec.player.color, '#4fc3f7'), size: clamp(spec.player.size, B.playerSize), speed: clamp(spec.player.speed, B.playerSpeed) },
    collectible: {
      ...spec.collectible,
      color: color(spec.collectible.color, '#ffd54f'),
      size: clamp(spec.collectible.size, B.collectibleSize),
      points: clamp(spec.collectible.points, B.points),
      count: clamp(spec.collectible.count, B.collectibleCount),
    },
    hazard: {
      ...spec.hazard,
      color: color(spec.hazard.color, '#ef5350'),
      size: clamp(spec.hazard.size, B.hazardSize),
      speed: clamp(spec.hazard.speed * t.speed, B.hazardSpeed),
      count: clamp(spec.hazard.count + t.count, B.hazardCount),
    },
    background,
    textColor: readableText(color(spec.textColor, '#ffffff'), background),
    goal: { type: spec.goal.type, target: clamp(spec.goal.target, goalBounds) },
    lives: clamp(spec.lives + t.lives, B.lives),
  };
}

export interface Labels {
  score: string;
  lives: string;
  time: string;
  restart: string;
  controls: string;
}

/** The fixed words of the page and the HUD, in the answer's language. */
export function labelsFor(language: Language, controls: GameSpec['controls']): Labels {
  if (language === 'ko') {
    const keys = { arrows: '방향키', wasd: 'W A S D', both: '방향키 또는 W A S D' }[controls];
    return { score: '점수', lives: '목숨', time: '시간', restart: 'Enter 또는 탭으로 다시 시작', controls: `이동: ${keys} (터치 화면에서는 드래그)` };
  }
  const keys = { arrows: 'arrow keys', wasd: 'W A S D', both: 'arrow keys or W A S D' }[controls];
  return { score: 'Score', lives: 'Lives', time: 'Time', restart: 'Press Enter or tap to play again', controls: `Move: ${keys} (drag on touch screens)` };
}
