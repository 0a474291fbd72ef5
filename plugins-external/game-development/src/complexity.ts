/**
 * How hard a concept is to build, scored in code from three facts of the concept so the same
 * concept always gets the same level. The model writes the analysis; it never picks the level.
 *
 * | factor      | points                                                                     |
 * | ----------- | -------------------------------------------------------------------------- |
 * | mechanics   | 0–3: 0; 4–6: 1; 7–9: 2; 10 or more: 3                                      |
 * | platforms   | 1: 0; 2: 1; 3 or more: 2; plus 1 for console (certification), 1 for vr    |
 * | multiplayer | none 0; local 1; online-coop 2; online-pvp 3; mmo 5                        |
 *
 * Level from the total: 0–1 simple, 2–3 moderate, 4–6 complex, 7 or more enterprise.
 */
import type { Language, MultiplayerMode, Platform } from './schemas/common.ts';
import type { Complexity, ComplexityLevel } from './schemas/code.ts';

export interface ComplexityFacts {
  mechanics: number;
  platforms: Platform[];
  multiplayer: MultiplayerMode;
}

export function mechanicsPoints(count: number): number {
  if (count <= 3) return 0;
  if (count <= 6) return 1;
  if (count <= 9) return 2;
  return 3;
}

export function platformPoints(platforms: Platform[]): number {
  const distinct = new Set(platforms);
  const spread = distinct.size <= 1 ? 0 : distinct.size === 2 ? 1 : 2;
  return spread + (distinct.has('console') ? 1 : 0) + (distinct.has('vr') ? 1 : 0);
}

export const MULTIPLAYER_POINTS: Readonly<Record<MultiplayerMode, number>> = { none: 0, local: 1, 'online-coop': 2, 'online-pvp': 3, mmo: 5 };

export function levelOf(score: number): ComplexityLevel {
  if (score <= 1) return 'simple';
  if (score <= 3) return 'moderate';
  if (score <= 6) return 'complex';
  return 'enterprise';
}

const MODE_NAMES: Readonly<Record<Language, Readonly<Record<MultiplayerMode, string>>>> = {
  en: { none: 'single-player', local: 'local multiplayer', 'online-coop': 'online co-op', 'online-pvp': 'online PvP', mmo: 'MMO' },
  ko: { none: '싱글 플레이', local: '로컬 멀티플레이', 'online-coop': '온라인 협동', 'online-pvp': '온라인 PvP', mmo: 'MMO' },
};

const LEVEL_NAMES: Readonly<Record<Language, Readonly<Record<ComplexityLevel, string>>>> = {
  en: { simple: 'simple', moderate: 'moderate', complex: 'complex', enterprise: 'enterprise' },
  ko: { simple: '단순', moderate: '보통', complex: '복잡', enterprise: '엔터프라이즈급' },
};

function explainPlatforms(platforms: Platform[], language: Language): string {
  const distinct = [...new Set(platforms)];
  const extras = distinct.filter((p) => p === 'console' || p === 'vr');
  if (language === 'ko') {
    const base = `대상 플랫폼 ${distinct.length}개(${distinct.join(', ')})`;
    return extras.length > 0 ? `${base}, ${extras.join('·')}는 인증·하드웨어 대응으로 추가 부담` : base;
  }
  const base = `${distinct.length} target platform${distinct.length === 1 ? '' : 's'} (${distinct.join(', ')})`;
  return extras.length > 0 ? `${base}; ${extras.join(' and ')} add certification or hardware work` : base;
}

export function scoreComplexity(facts: ComplexityFacts, language: Language): Complexity {
  const points = {
    mechanics: mechanicsPoints(facts.mechanics),
    platforms: platformPoints(facts.platforms),
    multiplayer: MULTIPLAYER_POINTS[facts.multiplayer],
  };
  const score = points.mechanics + points.platforms + points.multiplayer;
  const level = levelOf(score);
  const ko = language === 'ko';
  const factors = [
    { factor: 'mechanics' as const, points: points.mechanics, explanation: ko ? `핵심 메커닉 ${facts.mechanics}개` : `${facts.mechanics} core mechanic${facts.mechanics === 1 ? '' : 's'}` },
    { factor: 'platforms' as const, points: points.platforms, explanation: explainPlatforms(facts.platforms, language) },
    { factor: 'multiplayer' as const, points: points.multiplayer, explanation: MODE_NAMES[language][facts.multiplayer] },
  ];
  const explanation = ko
    ? `점수 ${score}점(메커닉 ${points.mechanics} + 플랫폼 ${points.platforms} + 멀티플레이 ${points.multiplayer}) → ${LEVEL_NAMES.ko[level]}. 기준: 0–1 단순, 2–3 보통, 4–6 복잡, 7 이상 엔터프라이즈급.`
    : `Score ${score} (mechanics ${points.mechanics} + platforms ${points.platforms} + multiplayer ${points.multiplayer}) → ${level}. Scale: 0–1 simple, 2–3 moderate, 4–6 complex, 7+ enterprise.`;
  return { level, score, factors, explanation };
}
