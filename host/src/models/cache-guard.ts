/**
 * The semantic cache's guard. Embeddings place "I will arrive on Monday" and "I will not
 * arrive on Monday" close together (feature hashing does, and so do trained models), so
 * similarity alone may answer the wrong question. Before any semantic hit, the two prompts
 * must have the same signature: the words that flip or pin down an answer, each with the
 * words around it in its clause, in English and Korean:
 *
 * - negation: not/no/never/without/… (contractions spelt out), 안/않/못/없/아니/-지 말-/모르-;
 * - numbers and quantities: digits, one…twenty, first…twelfth, 하나/둘…, 한/두… and 일/이/삼…
 *   before a counter, all/more/less/only…, 모든/더/덜/이상/이하…;
 * - dates and times: weekdays, months, yesterday/today/tomorrow, parts of the day, time units,
 *   before/after/until, 월요일…, 일월…, 어제/오늘/내일, 오전/오후, 까지/부터…;
 * - named entities, approximated: capitalised words (not a sentence's common first word),
 *   acronyms, Latin words inside Hangul text, quoted strings, URLs, e-mail addresses, @ and #.
 *
 * The signature is a sorted list per kind, so "2 adults and 3 children" equals "3 children and
 * 2 adults" but not "3 adults and 2 children". The service puts it in the semantic cache's
 * partition, so a prompt is only ever compared with prompts of the same signature. What this
 * does not see (antonyms, swapped roles, Hangul proper nouns outside quotes) is left to the
 * similarity threshold.
 */
import {
  EN_CALENDAR,
  EN_CALENDAR_CAPITALISED_ONLY,
  EN_COMMON_CAPITALISED,
  EN_NEGATIONS,
  EN_NUMBERS,
  EN_ORDINALS,
  EN_QUANTITIES,
  EN_TIME,
  KO_NATIVE_BEFORE_COUNTER,
  KO_NATIVE_COUNTERS,
  KO_NATIVE_STANDALONE,
  KO_PARTICLES,
  KO_QUANTITIES,
  KO_SINO_COUNTERS,
  KO_SINO_DIGITS,
  KO_SINO_UNITS,
  KO_TIME_STEMS,
} from './cache-guard-words.ts';

export interface GuardSignature {
  negation: string[];
  numbers: string[];
  dates: string[];
  entities: string[];
}

export type GuardKind = keyof GuardSignature;

interface Token {
  text: string;
  /** Lowercased, numbers as digits, ordinals as #N. */
  canon: string;
  script: 'number' | 'latin' | 'hangul' | 'other' | 'punct';
  clause: number;
  sentenceStart: boolean;
  /** Whitespace (or the start of the text) comes before it. */
  spaced: boolean;
}

const TOKEN = /(\d+(?:[.:/-]\d+)*)((?:st|nd|rd|th)(?![\p{L}\p{N}]))?|([\p{Script=Latin}][\p{Script=Latin}\p{M}]*(?:'[\p{Script=Latin}]+)*)|(\p{Script=Hangul}+)|([\p{L}\p{M}]+)|(\S)/gu;
const CLAUSE_END = new Set([...'.,;:!?…。、，！？()[]{}"“”«»「」『』']);
const SENTENCE_END = new Set([...'.!?。！？']);
// Quoted text stops at the next opening mark too, so a run of opening marks is scanned once.
const QUOTED = /"([^"\n]{1,200})"|“([^“”\n]{1,200})”|‘([^‘’\n]{1,200})’|「([^「」\n]{1,200})」|『([^『』\n]{1,200})』|«([^«»\n]{1,200})»|`([^`\n]{1,200})`|(?<![\p{L}\p{N}])'([^'\n]{1,200})'(?![\p{L}\p{N}])/gu;
// Each alternative starts where a run of its characters starts, so a long run is scanned once, not once per position.
const LITERAL = /\bhttps?:\/\/[^\s"'<>]+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w@#])[@#][\p{L}\p{N}_]+/gu;

/** Spells out what several spellings share: curly apostrophes, a.m., contractions, 1,000. */
function prepare(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/(?<=\p{Script=Latin})’(?=\p{Script=Latin})/gu, "'")
    .replace(/\b([ap])\.\s?m\.?(?![\p{L}])/giu, '$1m')
    .replace(/\bwon't\b/giu, 'will not')
    .replace(/\bcan'?t\b|\bcannot\b/giu, 'can not')
    .replace(/\bshan't\b/giu, 'shall not')
    .replace(/\bain't\b/giu, 'is not')
    .replace(/n't\b/giu, ' not')
    .replace(/(\d),(?=\d{3}(?!\d))/gu, '$1');
}

/** The value of a Sino-Korean numeral (삼십오 → 35, 삼십만 → 300000), or undefined. */
function sinoValue(word: string): number | undefined {
  let total = 0;
  let section = 0;
  let digit = 0;
  for (const ch of word) {
    const d = KO_SINO_DIGITS.get(ch);
    const unit = KO_SINO_UNITS.get(ch);
    if (d !== undefined) digit = d;
    else if (unit === undefined) return undefined;
    else if (unit < 10_000) {
      section += (digit || 1) * unit;
      digit = 0;
    } else {
      // 만 and 억 multiply everything before them: 삼십만 is 30 × 10,000.
      total += (section + digit || 1) * unit;
      section = 0;
      digit = 0;
    }
  }
  return word === '' ? undefined : total + section + digit;
}

/** Longest sino-Korean numeral we read (구천구백구십구억 has 8 characters): bounds the work on a long word. */
const MAX_SINO_LENGTH = 12;

/** Splits 두명을 into [2, 명을] and 삼십일에 into [31, 일에]: a number before its counter. */
function splitHangulNumber(word: string): [number, string] | undefined {
  // 유월 and 시월 drop a sound of 육월 and 십월.
  if (word.startsWith('유월')) return [6, word.slice(1)];
  if (word.startsWith('시월')) return [10, word.slice(1)];
  for (const [det, value] of KO_NATIVE_BEFORE_COUNTER) {
    if (word.startsWith(det) && KO_NATIVE_COUNTERS.some((c) => word.startsWith(c, det.length))) return [value, word.slice(det.length)];
  }
  let run = 0;
  while (run < MAX_SINO_LENGTH && run < word.length && (KO_SINO_DIGITS.has(word[run] as string) || KO_SINO_UNITS.has(word[run] as string))) run++;
  for (let end = run; end >= 1; end--) {
    if (KO_SINO_COUNTERS.some((c) => word.startsWith(c, end))) return [sinoValue(word.slice(0, end)) as number, word.slice(end)];
  }
  return undefined;
}

const PARTICLES = new Set(KO_PARTICLES);

/** Korean stems by first character, longest first: `match` finds the stem of a word whose rest is a particle (월요일까지 → 월요일 + 까지). */
class Stems {
  readonly #byFirst = new Map<string, string[]>();

  constructor(stems: Iterable<string>) {
    for (const stem of [...stems].sort((a, b) => b.length - a.length)) {
      const list = this.#byFirst.get(stem[0] as string) ?? [];
      list.push(stem);
      this.#byFirst.set(stem[0] as string, list);
    }
  }

  match(word: string): [string, string] | undefined {
    for (const stem of this.#byFirst.get(word[0] as string) ?? []) {
      if (word.startsWith(stem) && PARTICLES.has(word.slice(stem.length))) return [stem, word.slice(stem.length)];
    }
    return undefined;
  }
}

const NATIVE_STEMS = new Stems(KO_NATIVE_STANDALONE.keys());
const QUANTITY_STEMS = new Stems(KO_QUANTITIES);
const TIME_STEMS = new Stems(KO_TIME_STEMS);

function canonLatin(word: string): string {
  const lower = word.toLowerCase().replace(/'s$/u, '');
  const n = EN_NUMBERS.get(lower);
  if (n !== undefined) return String(n);
  const o = EN_ORDINALS.get(lower);
  return o === undefined ? lower : `#${o}`;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let clause = 0;
  let sentenceStart = true;
  let last = 0;
  const push = (token: Omit<Token, 'clause' | 'sentenceStart'>): void => {
    tokens.push({ ...token, clause, sentenceStart });
    sentenceStart = false;
  };
  for (const m of text.matchAll(TOKEN)) {
    const gap = text.slice(last, m.index);
    last = m.index + m[0].length;
    if (gap.includes('\n')) {
      clause++;
      sentenceStart = true;
    }
    const spaced = m.index === 0 || gap !== '';
    const [, digits, ordinal, latin, hangul, other, punct] = m;
    if (digits !== undefined) push({ text: m[0], canon: ordinal ? `#${digits}` : digits, script: 'number', spaced });
    else if (latin !== undefined) push({ text: latin, canon: canonLatin(latin), script: 'latin', spaced });
    else if (hangul !== undefined) {
      const split = splitHangulNumber(hangul);
      if (split) {
        push({ text: hangul, canon: String(split[0]), script: 'number', spaced });
        if (split[1] !== '') push({ text: split[1], canon: split[1], script: 'hangul', spaced: false });
      } else {
        const native = NATIVE_STEMS.match(hangul);
        push({ text: hangul, canon: native ? String(KO_NATIVE_STANDALONE.get(native[0])) : hangul, script: native ? 'number' : 'hangul', spaced });
      }
    } else if (other !== undefined) push({ text: other, canon: other.toLowerCase(), script: 'other', spaced });
    else if (punct !== undefined) {
      push({ text: punct, canon: punct, script: 'punct', spaced });
      if (CLAUSE_END.has(punct)) clause++;
      if (SENTENCE_END.has(punct)) sentenceStart = true;
    }
  }
  // 두 명, 삼십만 원: a numeral apart from its counter. A lone 이 or 사 is more often "this" or "buy".
  for (const [i, t] of tokens.entries()) {
    const next = tokens[i + 1];
    const counted = (counters: string[]) => next?.script === 'hangul' && counters.some((c) => next.text.startsWith(c));
    const native = KO_NATIVE_BEFORE_COUNTER.get(t.text);
    const sino = t.script === 'hangul' ? sinoValue(t.text) : undefined;
    const withUnit = /[십백천만억]/u.test(t.text);
    const value = native !== undefined && counted(KO_NATIVE_COUNTERS) ? native : sino !== undefined && ((t.text.length > 1 && withUnit) || ((t.text.length > 1 || withUnit) && counted(KO_SINO_COUNTERS))) ? sino : undefined;
    if (value !== undefined) Object.assign(t, { canon: String(value), script: 'number' });
  }
  return tokens;
}

/**
 * The canonical words within `before` and `after` tokens of [from, to] in the same clause,
 * which keep a marker in its place ("from Seoul to Tokyo" is not "from Tokyo to Seoul").
 * `joined` sides stop at a space: Korean word order is free, but a particle or counter
 * written onto the word (Seoul에서, 2명) stays.
 */
function around(tokens: Token[], from: number, to: number, before: number, after: number, joined: { left?: boolean; right?: boolean } = {}): string {
  const clause = tokens[from]?.clause;
  const usable = (i: number) => tokens[i] !== undefined && tokens[i].clause === clause && tokens[i].script !== 'punct';
  const left: string[] = [];
  for (let i = from - 1; left.length < before && usable(i) && !(joined.left && tokens[i + 1]?.spaced); i--) left.unshift(tokens[i]?.canon as string);
  const right: string[] = [];
  for (let i = to + 1; right.length < after && usable(i) && !(joined.right && tokens[i]?.spaced); i++) right.push(tokens[i]?.canon as string);
  return `${left.join(' ')}|${right.join(' ')}`;
}

/** The kind of Korean negation a word carries, if any. */
function koreanNegation(word: string, previous: Token | undefined): string | undefined {
  if (word.includes('않')) return '않';
  if (word.includes('없')) return '없';
  if (word.startsWith('못')) return '못';
  if (/^(?:아니|아닌|아냐|아닙|아님|아녜|아뇨)/u.test(word)) return '아니';
  if (/^(?:모르|몰라|모른|몰랐|모를)/u.test(word)) return '모르';
  if (word === '안' || /^안[되돼해하가갈갔와올왔먹봐보할했될됐줘주들써쓰읽자잘잤받사팔나난좋맞싫괜]/u.test(word)) return '안';
  // -지 말다: 하지 마세요, 가지 말고, 하지마; and A 말고 B.
  if (/지(?:말|마)/u.test(word) || word === '말고' || (previous?.text.endsWith('지') && /^(?:말|마[세라요]?$|마세|맙)/u.test(word))) return '말';
  return undefined;
}

/** Particles that change which time a Korean date word means. */
const KO_RELATIONS = new Set(['까지', '부터', '전', '전에', '후', '후에', '이전', '이후', '마다', '동안', '내', '내에', '안에', '중', '중에', '쯤', '경', '밖에']);

function isEnglishDate(tokens: Token[], i: number): boolean {
  const t = tokens[i] as Token;
  const lower = t.text.toLowerCase();
  const nextIsNumber = tokens[i + 1]?.script === 'number';
  // 7 am, 7pm: "am" is a time only after a number.
  if (lower === 'am' || lower === 'pm') return tokens[i - 1]?.script === 'number';
  if (EN_CALENDAR_CAPITALISED_ONLY.has(lower)) return /^\p{Lu}/u.test(t.text) && (!t.sentenceStart || nextIsNumber);
  return EN_CALENDAR.has(lower) || EN_TIME.has(lower);
}

function isEntityWord(token: Token | undefined, hasHangul: boolean): boolean {
  if (token?.script !== 'latin') return false;
  if (hasHangul) return true;
  const word = token.text;
  if (word === 'I' || !/\p{Lu}/u.test(word)) return false;
  // iPhone, eBay: a capital inside the word.
  if (/^\p{Ll}/u.test(word)) return true;
  const lower = word.toLowerCase();
  if (EN_CALENDAR.has(lower) || EN_NUMBERS.has(lower) || EN_ORDINALS.has(lower)) return false;
  return !(token.sentenceStart && EN_COMMON_CAPITALISED.has(lower.replace(/'s$/u, '')));
}

/** The must-match signature of one prompt. */
export function guardSignature(input: string): GuardSignature {
  const sig: GuardSignature = { negation: [], numbers: [], dates: [], entities: [] };
  let text = prepare(input);
  const hasHangul = /\p{Script=Hangul}/u.test(text);
  if (/["“‘「『«`']/u.test(text)) {
    for (const m of text.matchAll(QUOTED)) {
      const inner = m.slice(1).find((g) => g !== undefined) as string;
      sig.entities.push(`"${inner.toLowerCase().replace(/\s+/gu, ' ').trim()}"`);
    }
  }
  if (/[@#]|https?:/u.test(text)) {
    for (const m of text.matchAll(LITERAL)) sig.entities.push(`=${m[0].toLowerCase()}`);
    text = text.replace(LITERAL, ' ');
  }
  const tokens = tokenize(text);
  const joined = hasHangul ? { left: true, right: true } : {};
  // The last token of the name found so far: a name's later words start no name of their own.
  let nameEnd = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.script === 'number' || (t.script === 'latin' && /^#?\d+$/u.test(t.canon))) {
      sig.numbers.push(`${t.canon}:${around(tokens, i, i, hasHangul ? 1 : 0, 1, { left: true })}`);
    } else if (t.script === 'latin') {
      const lower = t.text.toLowerCase();
      if (EN_NEGATIONS.has(lower)) sig.negation.push(`${lower}:${around(tokens, i, i, 2, 2)}`);
      else if (EN_QUANTITIES.has(lower)) sig.numbers.push(`${lower}:${around(tokens, i, i, 0, 1, joined)}`);
      if (isEnglishDate(tokens, i)) sig.dates.push(`${EN_CALENDAR.get(lower) ?? lower.replace(/s$/u, '')}:${around(tokens, i, i, 1, hasHangul ? 1 : 0, joined)}`);
    } else if (t.script === 'hangul') {
      const negation = koreanNegation(t.text, tokens[i - 1]);
      if (negation) sig.negation.push(`${negation}:${t.text}:${around(tokens, i, i, 2, 2)}`);
      const quantity = QUANTITY_STEMS.match(t.text);
      if (quantity) sig.numbers.push(`${quantity[0]}:${around(tokens, i, i, 1, 1, joined)}`);
      const time = TIME_STEMS.match(t.text);
      // 월요일에 and 월요일은 are one date; 월요일까지 and 월요일부터 are not.
      if (time) sig.dates.push(`${time[0]}${KO_RELATIONS.has(time[1]) ? time[1] : ''}:${around(tokens, i, i, 1, 1, joined)}`);
    }
    if (i > nameEnd && isEntityWord(t, hasHangul)) {
      // New York, Bank of Korea: capitalised words in a row (joined by `of` or `de`) are one name.
      let end = i;
      const next = (k: number) => (tokens[k]?.spaced ? tokens[k] : undefined);
      while (isEntityWord(next(end + 1), hasHangul) || (/^(?:of|de|von|van)$/u.test(next(end + 1)?.text ?? '') && isEntityWord(next(end + 2), hasHangul))) {
        end += isEntityWord(next(end + 1), hasHangul) ? 1 : 2;
      }
      const name = tokens.slice(i, end + 1).map((x) => x.canon).join(' ');
      sig.entities.push(`${name}:${around(tokens, i, end, 1, hasHangul ? 1 : 0, joined)}`);
      nameEnd = end;
    }
  }
  for (const kind of Object.keys(sig) as GuardKind[]) sig[kind].sort();
  return sig;
}

/** The kinds on which two signatures differ (empty: the same signature). */
export function guardDifferences(a: GuardSignature, b: GuardSignature): GuardKind[] {
  return (Object.keys(a) as GuardKind[]).filter((kind) => a[kind].join('\n') !== b[kind].join('\n'));
}

/**
 * One string for the cache partition: equal exactly when the prompts' signatures are. The
 * system text needs none: the partition holds it whole, so two prompts only meet under the
 * same system text.
 */
export function guardKey(prompt: string): string {
  return JSON.stringify(guardSignature(prompt));
}
