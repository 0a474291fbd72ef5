import { describe, expect, test } from 'vitest';
import { NEAR_MISSES, PARAPHRASES } from './cache-guard.cases.ts';
import { guardDifferences, guardKey, guardSignature, type GuardKind } from './cache-guard.ts';

const KIND: Record<string, GuardKind> = { negation: 'negation', number: 'numbers', date: 'dates', entity: 'entities' };
const differ = (a: string, b: string) => guardDifferences(guardSignature(a), guardSignature(b));

describe('the test set', () => {
  test('has at least 30 near misses and 15 paraphrases, in English and Korean', () => {
    expect(NEAR_MISSES.length).toBeGreaterThanOrEqual(30);
    expect(PARAPHRASES.length).toBeGreaterThanOrEqual(15);
    for (const set of [NEAR_MISSES, PARAPHRASES]) expect(new Set(set.map((c) => c.lang))).toEqual(new Set(['en', 'ko']));
    expect(new Set(NEAR_MISSES.map((c) => `${c.lang} ${c.kind}`)).size).toBe(8);
  });

  test.each(NEAR_MISSES.map((c) => [c.lang, c.kind, c.b, c] as const))('near miss (%s, %s) is told apart: %s', (_lang, _kind, _b, c) => {
    expect(differ(c.a, c.b)).toContain(KIND[c.kind]);
    expect(guardKey(c.a)).not.toBe(guardKey(c.b));
  });

  test.each(PARAPHRASES.map((c) => [c.lang, c.kind, c.b, c] as const))('paraphrase (%s, %s) has the same signature: %s', (_lang, _kind, _b, c) => {
    expect(differ(c.a, c.b)).toEqual([]);
    expect(guardKey(c.a)).toBe(guardKey(c.b));
  });
});

describe('negation', () => {
  const base = 'Tell my landlord that I will pay the rent on time this month';
  test.each(['not', 'never', 'no longer', "won't", 'cannot', "can't", 'will not'])('English: "%s" is a negation', (word) => {
    const negated = base.replace('will pay', word.startsWith('w') || word.startsWith('c') ? `${word} pay` : `will ${word} pay`);
    expect(negated).not.toBe(base);
    expect(differ(base, negated)).toContain('negation');
  });

  test('contractions and curly apostrophes are the words they stand for', () => {
    expect(differ("I don't want the blue one", 'I do not want the blue one')).toEqual([]);
    expect(differ('I don’t want the blue one', "I don't want the blue one")).toEqual([]);
    expect(differ("We can't come", 'We cannot come')).toEqual([]);
    expect(differ("We won't come", 'We will not come')).toEqual([]);
  });

  test('what is negated counts, not only how many negations there are', () => {
    expect(differ('I do not like apples, I like oranges', 'I like apples, I do not like oranges')).toContain('negation');
    expect(differ('사과는 좋아하지만 배는 좋아하지 않아요', '배는 좋아하지만 사과는 좋아하지 않아요')).toContain('negation');
  });

  test.each([
    ['가요', '안 가요'],
    ['가요', '안가요'],
    ['가요', '가지 않아요'],
    ['가요', '못 가요'],
    ['가요', '가지 못해요'],
    ['시간이 있어요', '시간이 없어요'],
    ['학생이에요', '학생이 아니에요'],
    ['하세요', '하지 마세요'],
    ['하세요', '하지마'],
    ['알아요', '몰라요'],
  ])('Korean: %s / %s', (a, b) => {
    expect(differ(`내일 회의에 대해 ${a}`, `내일 회의에 대해 ${b}`)).toContain('negation');
  });

  test('an English sentence inside Korean text keeps its negation', () => {
    expect(differ('다음 문장을 번역해 주세요: I will arrive on Monday', '다음 문장을 번역해 주세요: I will not arrive on Monday')).toContain('negation');
  });

  test('Korean words that merely start like a negation are not one', () => {
    for (const word of ['안녕하세요', '안내해', '안전한', '안에']) expect(guardSignature(`회의실 ${word} 주세요`).negation).toEqual([]);
  });
});

describe('numbers and quantities', () => {
  test('digits, words and Korean numerals before a counter are one value', () => {
    expect(differ('Book a table for two people', 'Book a table for 2 people')).toEqual([]);
    expect(differ('the first step', 'the 1st step')).toEqual([]);
    expect(differ('사과 두 개 주세요', '사과 2개 주세요')).toEqual([]);
    expect(differ('사과 두개 주세요', '사과 2개 주세요')).toEqual([]);
    expect(differ('삼십만 원입니다', '300000 원입니다')).toEqual([]);
    expect(differ('삼월에 만나요', '3월에 만나요')).toEqual([]);
    expect(differ('1,000 tickets', '1000 tickets')).toEqual([]);
  });

  test.each([
    ['for 2 people', 'for 3 people'],
    ['for 2 people', 'for 2 dogs'],
    ['2 adults and 3 children', '3 adults and 2 children'],
    ['3.5 kg of rice', '35 kg of rice'],
    ['all of the files', 'some of the files'],
    ['more formal', 'less formal'],
    ['at least 200 words', 'at most 200 words'],
    ['사과 세 개', '사과 네 개'],
    ['하나만 주세요', '둘만 주세요'],
    ['만 원 이상', '만 원 이하'],
    ['더 짧게', '덜 짧게'],
  ])('%s / %s', (a, b) => {
    expect(differ(`Please order ${a} for the office`, `Please order ${b} for the office`)).toContain('numbers');
  });

  test('the order of numbered things does not matter, which number goes with which does', () => {
    expect(differ('2 adults and 3 children', '3 children and 2 adults')).toEqual([]);
  });
});

describe('dates and times', () => {
  test.each([
    ['on Monday', 'on Tuesday'],
    ['on Monday', 'by Monday'],
    ['in March', 'in April'],
    ['in May', 'in June'],
    ['yesterday', 'today'],
    ['at 9 am', 'at 9 pm'],
    ['at 9 a.m.', 'at 9 p.m.'],
    ['every 2 days', 'every 2 weeks'],
    ['before lunch', 'after lunch'],
    ['from Monday to Friday', 'from Friday to Monday'],
    ['월요일에', '화요일에'],
    ['월요일까지', '월요일부터'],
    ['어제', '오늘'],
    ['오전 9시에', '오후 9시에'],
    ['점심 전에', '점심 후에'],
    ['일월에', '이월에'],
  ])('%s / %s', (a, b) => {
    expect(differ(`Remind the team about the report ${a}`, `Remind the team about the report ${b}`)).toContain('dates');
  });

  test('"may" and "am" are dates only where they mean one', () => {
    expect(guardSignature('May I ask you something?').dates).toEqual([]);
    expect(guardSignature('I am late').dates).toEqual([]);
    expect(guardSignature('The launch is on May 5').dates).not.toEqual([]);
    expect(guardSignature('The launch is at 5 am').dates).not.toEqual([]);
  });

  test('a particle that does not change the time does not count', () => {
    expect(differ('월요일에 만나요', '월요일에는 만나요')).toEqual([]);
  });
});

describe('named entities', () => {
  test.each([
    ['a trip to Busan', 'a trip to Seoul'],
    ['from Seoul to Tokyo', 'from Tokyo to Seoul'],
    ['a phone from Samsung', 'a phone from Apple'],
    ['a trip to New York', 'a trip to New Orleans'],
    ['the NASA budget', 'the ESA budget'],
    ['my iPhone', 'my Pixel'],
    ['the café called "Blue Sky"', 'the café called "Blue Sea"'],
    ["the song 'Yesterday'", "the song 'Tomorrow'"],
    ['the page https://example.com/a', 'the page https://example.com/b'],
    ['mail kim@example.com', 'mail lee@example.com'],
    ['iPhone 사용자', 'Galaxy 사용자'],
    ['‘푸른 하늘’ 카페', '‘푸른 바다’ 카페'],
    ['「봄날」 노래', '「여름날」 노래'],
  ])('%s / %s', (a, b) => {
    expect(differ(`Write a note about ${a} for the newsletter`, `Write a note about ${b} for the newsletter`)).toContain('entities');
  });

  test('a capitalised first word of a sentence is not a name; a capitalised name is, wherever it stands', () => {
    expect(guardSignature('Please summarise this. Explain it simply.').entities).toEqual([]);
    expect(guardSignature('Seoul is big').entities).toEqual(['seoul:|']);
    expect(guardSignature('I love the Bank of Korea building').entities).toEqual(['bank of korea:the|']);
  });
});

describe('the key', () => {
  test('is the same for texts equal after Unicode normalisation', () => {
    expect(guardKey('Ｍｏｎｄａｙ ５')).toBe(guardKey('Monday 5'));
    expect(guardKey('월요일'.normalize('NFD'))).toBe(guardKey('월요일'));
  });
});
