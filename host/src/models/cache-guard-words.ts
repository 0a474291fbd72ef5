/**
 * The words the semantic cache guard (cache-guard.ts) looks for, English and Korean. A table:
 * adding a word only ever makes two prompts differ more often, so the guard errs on the side
 * of a cache miss.
 */

const list = (words: string): Set<string> => new Set(words.split(/\s+/u).filter((w) => w !== ''));

/** English negation words, after contractions are spelt out (`don't` → `do not`). */
export const EN_NEGATIONS = list(`
  not no never none nobody nothing nowhere neither nor without cannot nope nah
  dont doesnt didnt wont cant isnt arent wasnt werent havent hasnt hadnt shouldnt wouldnt couldnt mustnt neednt aint
`);

/** Quantity words that change an answer as much as a number does. */
export const EN_QUANTITIES = list(`
  all every each some any few several many much most more less fewer least both either only
  over under above below than maximum minimum max min exactly half once twice double triple single dozen
`);

export const EN_NUMBERS: ReadonlyMap<string, number> = new Map([
  ...'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty'
    .split(' ')
    .map((w, i) => [w, i] as const),
  ...'thirty forty fifty sixty seventy eighty ninety'.split(' ').map((w, i) => [w, (i + 3) * 10] as const),
  ['hundred', 100],
  ['thousand', 1000],
  ['million', 1e6],
  ['billion', 1e9],
]);

export const EN_ORDINALS: ReadonlyMap<string, number> = new Map(
  'first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth'.split(' ').map((w, i) => [w, i + 1] as const),
);

/** Weekdays and months, with their abbreviations, to one name. */
export const EN_CALENDAR: ReadonlyMap<string, string> = new Map([
  ...'monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december'
    .split(' ')
    .map((w) => [w, w] as const),
  ...(
    [
      ['mon', 'monday'], ['tue', 'tuesday'], ['tues', 'tuesday'], ['wed', 'wednesday'], ['thu', 'thursday'], ['thur', 'thursday'], ['thurs', 'thursday'],
      ['fri', 'friday'], ['sat', 'saturday'], ['sun', 'sunday'], ['jan', 'january'], ['feb', 'february'], ['mar', 'march'], ['apr', 'april'],
      ['jun', 'june'], ['jul', 'july'], ['aug', 'august'], ['sep', 'september'], ['sept', 'september'], ['oct', 'october'], ['nov', 'november'], ['dec', 'december'],
    ] as const
  ),
]);

/** Calendar names that are also ordinary words: taken as dates only when capitalised. */
export const EN_CALENDAR_CAPITALISED_ONLY = list('may mar sat sun wed');

/** Other words that place a request in time: relative days, parts of the day, seasons, units, relations. */
export const EN_TIME = list(`
  yesterday today tonight tomorrow weekend weekends weekday weekdays now
  morning mornings afternoon afternoons evening evenings night nights noon midnight am pm
  spring summer autumn winter
  minute minutes hour hours day days week weeks fortnight month months year years decade decades
  ago before after until till since next last previous earlier later
`);

/** Capitalised words that start sentences of prompts without naming anything. */
export const EN_COMMON_CAPITALISED = list(`
  i a an the this that these those it its there here what which who whom whose when where why how
  is are was were be been am do does did can could will would shall should may might must have has had
  please tell give write explain summarise summarize list translate describe show make let find help
  create draft compose answer rewrite check compare suggest name say add use keep put send book reserve
  remind plan set delete archive update generate convert calculate fix build design review edit correct proofread
  outline organise organize prepare recommend choose pick classify extract format sort count read
  my your our their his her we you they he she me us them and or but so if then also just yes ok okay hi hello dear thanks thank
  in on at for from to of by with about as into after before during while because
  not no never none
`);

/** Korean words whose stem is one of these, alone or with a particle, are dates. */
export const KO_TIME_STEMS = [
  '월요일', '화요일', '수요일', '목요일', '금요일', '토요일', '일요일', '주말', '평일',
  '어제', '그제', '그저께', '오늘', '내일', '모레', '글피', '어젯밤', '오늘밤', '내일모레',
  '지난주', '이번주', '다음주', '지난달', '이번달', '다음달', '작년', '올해', '내년', '재작년', '내후년',
  '아침', '점심', '저녁', '밤', '새벽', '오전', '오후', '정오', '자정', '봄', '여름', '가을', '겨울',
  '시간', '분', '초', '주', '달', '개월', '년', '월', '일',
  '전', '후', '이전', '이후', '까지', '부터', '동안', '지난', '이번', '다음',
];

/** Particles that may follow a Korean stem in the same word. */
export const KO_PARTICLES = [
  '', '에', '에는', '엔', '은', '는', '이', '가', '을', '를', '도', '만', '부터', '까지', '에서', '의', '로', '으로', '과', '와', '하고', '랑', '이랑',
  '전', '전에', '후', '후에', '이전', '이후', '마다', '동안', '내', '내에', '안에', '중', '중에', '쯤', '께', '경', '이나', '나', '밖에',
];

/** Native Korean numerals: standalone (하나, 둘…) and before a counter (한, 두…). */
export const KO_NATIVE_STANDALONE: ReadonlyMap<string, number> = new Map([
  ['하나', 1], ['둘', 2], ['셋', 3], ['넷', 4], ['다섯', 5], ['여섯', 6], ['일곱', 7], ['여덟', 8], ['아홉', 9], ['열', 10], ['스물', 20],
]);
export const KO_NATIVE_BEFORE_COUNTER: ReadonlyMap<string, number> = new Map([
  ['한', 1], ['두', 2], ['세', 3], ['네', 4], ['다섯', 5], ['여섯', 6], ['일곱', 7], ['여덟', 8], ['아홉', 9], ['열', 10], ['열한', 11], ['열두', 12], ['스무', 20],
]);
/** Counters native numerals take. */
export const KO_NATIVE_COUNTERS = [
  '개', '명', '분', '살', '시', '시간', '번', '번째', '마리', '잔', '권', '장', '대', '병', '달', '주', '사람', '가지', '군데', '그릇', '송이', '켤레', '벌', '채', '곳', '쌍', '통', '판', '박',
];
/** Counters Sino-Korean numerals take (일, 이, 삼… + one of these is a number). */
export const KO_SINO_COUNTERS = ['년', '월', '일', '원', '층', '개월', '인분', '주년', '퍼센트', '프로', '학년', '교시', '호선', '킬로', '미터', '세'];
export const KO_SINO_DIGITS: ReadonlyMap<string, number> = new Map([
  ['일', 1], ['이', 2], ['삼', 3], ['사', 4], ['오', 5], ['육', 6], ['칠', 7], ['팔', 8], ['구', 9],
]);
export const KO_SINO_UNITS: ReadonlyMap<string, number> = new Map([['십', 10], ['백', 100], ['천', 1000], ['만', 10_000], ['억', 100_000_000]]);

/** Korean quantity words (whole words, a particle allowed after them). */
export const KO_QUANTITIES = ['모든', '모두', '전부', '다', '일부', '몇', '여러', '많이', '많은', '적게', '적은', '조금', '더', '덜', '가장', '제일', '최대', '최소', '이상', '이하', '미만', '초과', '각', '매', '만', '뿐', '반', '절반', '두배', '처음', '마지막'];
