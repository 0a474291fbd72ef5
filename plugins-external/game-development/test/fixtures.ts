/**
 * Scripted model answers for the tests: one function answers every structured request by
 * recognising which phase's schema it carries, and writes its text in Korean or English. It
 * follows the constraints the request's schema sets (platform and multiplayer enums, counts,
 * parameter names), as a model in tool mode must.
 */
import type { Language } from '../src/schemas/common.ts';
import type { GameConcept } from '../src/schemas/concept.ts';

type Json = Record<string, any>;

export const KO_IDEA = '고양이가 우주 정거장에서 생선을 모으며 소행성을 피하는 캐주얼 게임';
export const EN_IDEA = 'A casual game where a cat collects fish on a space station while dodging asteroids';

const T = {
  ko: {
    title: '우주 고양이 대모험',
    tagline: '생선을 모으고 소행성을 피하라!',
    genre: '캐주얼 아케이드',
    summary: '우주 정거장에 사는 고양이가 떠다니는 생선을 모으며 소행성을 피하는 게임입니다.',
    step: (i: number) => `${i}단계: 생선을 향해 이동한다`,
    mechanic: (i: number) => `메커닉 ${i}`,
    mechanicDesc: '플레이어가 직접 조작하는 핵심 시스템입니다.',
    setting: '근미래의 작은 우주 정거장',
    art: '밝은 파스텔 톤의 2D',
    audience: '10대 이상 캐주얼 게이머',
    usp: '한 손으로 즐기는 우주 고양이',
    text: '설명 문장입니다.',
    asset: (i: number) => `고양이 스프라이트 ${i}`,
    scenario: (i: number) => `첫 플레이 시나리오 ${i}`,
    change: '코어 루프를 단순화했습니다.',
    milestone: (i: number) => `마일스톤 ${i}`,
    finding: '수치가 너무 높습니다.',
    summaryLine: '전반적으로 균형이 괜찮습니다.',
  },
  en: {
    title: 'Space Cat Adventure',
    tagline: 'Grab the fish, dodge the rocks!',
    genre: 'casual arcade',
    summary: 'A cat living on a space station collects floating fish while dodging asteroids.',
    step: (i: number) => `Step ${i}: move toward the fish`,
    mechanic: (i: number) => `Mechanic ${i}`,
    mechanicDesc: 'A core system the player touches directly.',
    setting: 'A small space station in the near future',
    art: 'Bright pastel 2D',
    audience: 'Casual players aged 10 and up',
    usp: 'A space cat you play with one hand',
    text: 'A descriptive sentence.',
    asset: (i: number) => `Cat sprite ${i}`,
    scenario: (i: number) => `First session scenario ${i}`,
    change: 'Simplified the core loop.',
    milestone: (i: number) => `Milestone ${i}`,
    finding: 'The value is too high.',
    summaryLine: 'Mostly balanced.',
  },
};

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function conceptAnswer(schema: Json, lang: Language, mechanics = 3): Json {
  const t = T[lang];
  const p = schema.properties;
  const platforms: string[] = p.targetPlatforms.items.enum;
  const modes: string[] = p.multiplayer.properties.mode.enum;
  const mode = modes.includes('none') ? 'none' : modes[0]!;
  return {
    title: t.title,
    tagline: t.tagline,
    genre: t.genre,
    summary: t.summary,
    coreLoop: range(3).map(t.step),
    mechanics: range(mechanics).map((i) => ({ name: t.mechanic(i), description: t.mechanicDesc })),
    setting: t.setting,
    artStyle: t.art,
    targetPlatforms: platforms.slice(0, Math.max(p.targetPlatforms.minItems, 1)),
    multiplayer: { mode, maxPlayers: mode === 'none' ? 1 : 4 },
    targetAudience: t.audience,
    uniqueSellingPoints: [t.usp],
  };
}

export interface AnswerOptions {
  /** Mechanics in a concept answer (default 3). */
  mechanics?: number;
  /** Overrides of the game spec answer. */
  spec?: Json;
}

/** A schema-valid answer for the phase whose schema `request.schema` is. */
export function answerFor(request: { schema: Json }, lang: Language, options: AnswerOptions = {}): Json {
  const t = T[lang];
  const schema = request.schema;
  const keys: string[] = schema.required;
  if (keys.includes('coreLoop')) return conceptAnswer(schema, lang, options.mechanics);
  if (keys.includes('progression')) {
    const max: number = schema.properties.mechanics.maxItems;
    return {
      mechanics: range(Math.min(max, 3)).map((i) => ({
        name: t.mechanic(i),
        description: t.mechanicDesc,
        playerActions: [t.text],
        rules: [t.text],
        parameters: [
          { name: 'moveSpeed', value: 200, unit: 'px/s', description: t.text },
          { name: 'moveSpeed', value: 250, unit: 'px/s', description: t.text },
        ],
        dependsOn: i === 1 ? [t.mechanic(2), 'nonexistent', t.mechanic(1)] : [],
      })),
      progression: t.text,
      synergies: [t.text],
    };
  }
  if (keys.includes('premise')) {
    const acts: number = schema.properties.acts.minItems;
    return {
      premise: t.text,
      world: t.setting,
      characters: [
        { name: 'Nabi', role: t.text, description: t.text },
        { name: 'nabi', role: t.text, description: t.text },
      ],
      acts: range(acts).map((i) => ({ title: t.milestone(i), summary: t.text, gameplayHook: t.text })),
      endings: [t.text],
      themes: [t.genre],
    };
  }
  if (keys.includes('changes')) {
    return {
      concept: conceptAnswer(schema.properties.concept, lang, options.mechanics),
      changes: [t.change],
      risks: [{ risk: t.text, mitigation: t.text }],
      milestones: [4, 6, 3].map((weeks, i) => ({ name: t.milestone(i + 1), goal: t.text, durationWeeks: weeks, deliverables: [t.text] })),
      teamSize: 4,
    };
  }
  if (keys.includes('assets')) {
    const max: number = schema.properties.assets.maxItems;
    const kinds = [
      ['sprite', 'low'],
      ['background', 'high'],
      ['ui', 'medium'],
      ['audio', 'high'],
      ['sprite', 'high'],
    ] as const;
    return {
      assets: range(Math.min(max, kinds.length)).map((i) => ({
        name: i === 5 ? t.asset(1) : t.asset(i),
        type: kinds[i - 1]![0],
        description: t.text,
        priority: kinds[i - 1]![1],
        suggestedStyle: t.art,
        suggestedSize: '64x64',
      })),
    };
  }
  if (keys.includes('architecture')) {
    return {
      summary: t.text,
      engine: { name: 'Phaser', reason: t.text },
      architecture: t.text,
      components: [
        { name: 'Rendering', description: t.text, effort: 'medium' },
        { name: 'Input', description: t.text, effort: 'low' },
      ],
      risks: [{ risk: t.text, likelihood: 'medium', mitigation: t.text }],
      requiredSkills: ['TypeScript'],
      thirdPartyServices: [],
      estimatedTeamSize: 3,
      estimatedMonths: 6,
    };
  }
  if (keys.includes('player')) {
    return {
      title: t.title,
      tagline: t.tagline,
      instructions: t.text,
      winText: lang === 'ko' ? '승리!' : 'You win!',
      loseText: lang === 'ko' ? '패배...' : 'Game over',
      player: { name: 'Cat', shape: 'circle', color: '#4FC3F7', size: 16, speed: 240 },
      collectible: { name: 'Fish', shape: 'triangle', color: '#ffd54f', size: 10, points: 10, count: 5 },
      hazard: { name: 'Asteroid', shape: 'square', color: '#ef5350', size: 18, speed: 120, count: 4, behavior: 'bounce' },
      background: '#101820',
      textColor: '#ffffff',
      goal: { type: 'score', target: 200 },
      lives: 3,
      controls: 'both',
      ...options.spec,
    };
  }
  if (keys.includes('scenarios')) {
    const count: number = schema.properties.scenarios.minItems;
    const focuses: string[] = schema.properties.scenarios.items.properties.focus.enum;
    return {
      scenarios: range(count).map((i) => ({
        title: t.scenario(i),
        focus: focuses[(i - 1) % focuses.length],
        persona: t.audience,
        goal: t.text,
        steps: [t.step(1), t.step(2)],
        expectedOutcome: t.text,
        metrics: [{ name: 'time', target: '< 90 s', method: t.text }],
        durationMinutes: 10 + i,
      })),
    };
  }
  if (keys.includes('findings')) {
    const names: string[] = schema.properties.findings.items.properties.parameter.enum;
    return {
      findings: [
        { parameter: names[0], issue: t.finding, severity: 'low', reasoning: t.text, suggestedChange: t.text },
        { parameter: names[names.length - 1], issue: t.finding, severity: 'critical', reasoning: t.text, suggestedValue: 150, suggestedChange: t.text },
      ],
      summary: t.summaryLine,
    };
  }
  throw new Error(`no scripted answer for a schema requiring ${keys.join(', ')}`);
}

/** A complete concept, as concept-creation answers it. */
export function conceptFixture(lang: Language, overrides: Partial<GameConcept> = {}): GameConcept {
  const t = T[lang];
  return {
    title: t.title,
    tagline: t.tagline,
    genre: t.genre,
    summary: t.summary,
    coreLoop: range(3).map(t.step),
    mechanics: range(3).map((i) => ({ name: t.mechanic(i), description: t.mechanicDesc })),
    setting: t.setting,
    artStyle: t.art,
    targetPlatforms: ['web', 'mobile'],
    multiplayer: { mode: 'none', maxPlayers: 1 },
    targetAudience: t.audience,
    uniqueSellingPoints: [t.usp],
    language: lang,
    ...overrides,
  };
}

/** What canvas/image-generator answers, for a stub. */
export function canvasAnswer(input: { keywords: string[] }, n = 0): Json {
  return {
    images: [{ blobId: `blob-${n}`, url: `http://easel.test/v1/blobs/blob-${n}?expires=1&sig=x`, width: 512, height: 512, contentType: 'image/png', model: 'amazon.nova-canvas-v1:0', cost: 0.04 }],
    prompt: `${input.keywords.join(', ')}, cartoon style`,
    negativePrompt: 'blurry',
  };
}
