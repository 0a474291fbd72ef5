/**
 * The image-selector agent: which candidate images fit a post. The model never sees pixels:
 * it judges each candidate by the prompt and style it was drawn from, against the post.
 */
import { PluginError, type Context } from '@easel/sdk';
import { settingsOf, type Category, type Config, type Style } from './config.ts';
import { languageOf, type Language } from './language.ts';
import { MAX_REASON_CHARS, selectPrompt, selectSchema } from './prompts.ts';
import { capAtWord, cleanBlock, cleanLine } from './text.ts';

export interface CandidateInput {
  index: number;
  prompt: string;
  style: Style;
  /** Echoed in the answer when given (canvas's blob id, say); the model never sees it. */
  blobId?: string;
}

export interface SelectInput {
  title: string;
  content: string;
  category?: Category;
  targetAudience?: string;
  candidates: CandidateInput[];
  /** At most this many are selected (default: all candidates may be). */
  maxSelected?: number;
  language?: Language;
}

export interface Choice {
  index: number;
  reason: string;
  blobId?: string;
}

export interface SelectOutput {
  selected: Choice[];
  rejected: Choice[];
  language: Language;
  model: string;
  cost: number;
}

interface SelectAnswer {
  selected: { index: number; reason: string }[];
  rejected: { index: number; reason: string }[];
}

const FALLBACK_REASON: Readonly<Record<Language, { kept: string; left: string }>> = {
  ko: { kept: '선택 모델이 판단하지 않아 기본으로 포함했습니다.', left: '선택 모델이 판단하지 않아 제외했습니다.' },
  en: { kept: 'Kept by default: the selector gave no judgement for it.', left: 'Left out: the selector gave no judgement for it.' },
};

/** Chooses among the candidates; every candidate ends up selected or rejected, each once. */
export async function select(input: SelectInput, ctx: Context<Config>): Promise<SelectOutput> {
  const settings = settingsOf(ctx.config);
  const indexes = input.candidates.map((c) => c.index);
  if (new Set(indexes).size !== indexes.length) throw new PluginError('REQUEST_REJECTED', 'candidate indexes must be unique');
  const title = cleanLine(input.title);
  const content = cleanBlock(input.content);
  const language = input.language ?? languageOf(settings.language, title, content);
  const maxSelected = Math.min(input.maxSelected ?? input.candidates.length, input.candidates.length);
  // The model sees positions 0..n-1; callers' indexes may be anything unique.
  const { system, prompt } = selectPrompt({
    title,
    content,
    category: input.category,
    targetAudience: input.targetAudience === undefined ? undefined : cleanLine(input.targetAudience),
    candidates: input.candidates.map((c, position) => ({ index: position, prompt: cleanLine(c.prompt), style: c.style })),
    maxSelected,
    language,
  });
  ctx.signal.throwIfAborted();
  const result = await ctx.models.structured<SelectAnswer>({
    system,
    prompt,
    schema: selectSchema(input.candidates.length, maxSelected),
    tier: settings.tiers.select,
    latency: 'fast',
    maxTokens: 800,
    temperature: 0,
  });
  const { selected, rejected } = reconcile(result.value, input.candidates, maxSelected, language);
  ctx.log.info('selected images', { model: result.model, cost: result.cost, selected: selected.length, of: input.candidates.length });
  return { selected, rejected, language, model: result.model, cost: result.cost };
}

/**
 * The model's answer made whole: a position named twice counts once (selected wins), past
 * `maxSelected` moves to rejected, a position never named is rejected, and when nothing is
 * selected the first candidate is kept (the schema asks for one, this is the belt).
 */
export function reconcile(answer: SelectAnswer, candidates: readonly CandidateInput[], maxSelected: number, language: Language): { selected: Choice[]; rejected: Choice[] } {
  const reasonOf = (r: string, fallback: string) => capAtWord(cleanLine(r), MAX_REASON_CHARS) || fallback;
  const choice = (position: number, reason: string): Choice => {
    const c = candidates[position]!;
    return c.blobId === undefined ? { index: c.index, reason } : { index: c.index, reason, blobId: c.blobId };
  };
  const seen = new Set<number>();
  const valid = (p: number) => Number.isInteger(p) && p >= 0 && p < candidates.length && !seen.has(p);
  const selected: Choice[] = [];
  const rejected: Choice[] = [];
  for (const s of answer.selected) {
    if (!valid(s.index)) continue;
    seen.add(s.index);
    if (selected.length < maxSelected) selected.push(choice(s.index, reasonOf(s.reason, FALLBACK_REASON[language].kept)));
    else rejected.push(choice(s.index, reasonOf(s.reason, FALLBACK_REASON[language].left)));
  }
  for (const r of answer.rejected) {
    if (!valid(r.index)) continue;
    seen.add(r.index);
    rejected.push(choice(r.index, reasonOf(r.reason, FALLBACK_REASON[language].left)));
  }
  candidates.forEach((_, p) => {
    if (!seen.has(p)) rejected.push(choice(p, FALLBACK_REASON[language].left));
  });
  if (selected.length === 0 && candidates.length > 0) {
    const first = rejected.findIndex((r) => r.index === candidates[0]!.index);
    rejected.splice(first, 1);
    selected.push(choice(0, FALLBACK_REASON[language].kept));
  }
  const order = new Map(candidates.map((c, p) => [c.index, p]));
  const byPosition = (a: Choice, b: Choice) => order.get(a.index)! - order.get(b.index)!;
  return { selected: selected.sort(byPosition), rejected: rejected.sort(byPosition) };
}
