import { type Income, incomeBucket } from './lead-slots.js';

/** A yearly income outside these bounds is a misreading (a share price, a head count, a fortune). */
export const minAnnualIncomeUsd = 1_000;
export const maxAnnualIncomeUsd = 1_000_000_000;

export interface IncomeParseOptions {
  /** The assistant's previous message asked about income, so a bare amount is an answer to it. */
  cued: boolean;
}

/*
 * Why this is stricter than the original (A6): the lead bot talks about
 * markets, so most numbers a user types are prices, position sizes and account
 * balances. An amount counts as income only when it is tied to an income cue:
 * the nearest keyword before it (within its sentence, at most eight words back)
 * is an income word ("salary", "I make", "get paid") rather than a money-that-
 * is-not-income word ("portfolio", "bought", "shares", "rent"), or a period
 * or an income noun follows it ("a year", "a month", "salary"), or the
 * assistant has just asked about income. A non-income word nearest before the
 * amount always wins, and so does a holding after it ("300k in savings")
 * unless an income word came first.
 */

const number = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;
const multiplier = 'k|grand|thousand|millions?|mill|mil|mm|mn|m|billion|bn|b';
const currencyWord = 'dollars|bucks|usd|pounds|quid|euros|eur|gbp';

/** One amount: `$150k`, `85,000`, `1.5m`, `50 grand`, `120,000 dollars`. Groups are suffixed to allow two per pattern. */
function amountPattern(tag: string): string {
  return (
    String.raw`(?<![\p{L}\d.,])(?:(?<currency${tag}>[$£€])\s?)?(?<number${tag}>${number})` +
    String.raw`(?:\s?(?<multiplier${tag}>${multiplier})(?![\p{L}\d]))?` +
    String.raw`(?:\s(?<unit${tag}>${currencyWord})(?![\p{L}]))?(?![\p{L}\d])`
  );
}

const rangeOrAmount = new RegExp(
  String.raw`${amountPattern('Low')}(?:\s*(?:-|–|—|to)\s*${amountPattern('High')})?`,
  'giu',
);
const betweenRange = new RegExp(
  String.raw`\bbetween\s+${amountPattern('Low')}\s+and\s+${amountPattern('High')}`,
  'giu',
);
const figures =
  /(?<![\p{L}\d])(?:(?<band>low|lower|mid|middle|high|upper)[\s-]+)?(?<digits>five|six|seven|eight|nine|[5-9])[\s-]+figures?(?![\p{L}])/giu;
const wordedAmount =
  /(?<![\p{L}\d])(?<count>a|one|two|three|four|five|six|seven|eight|nine|ten|half\s+a)\s+(?<magnitude>million|hundred\s+(?:thousand|grand|k))(?![\p{L}])/giu;

const multiplierValues: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(?:k|grand|thousand)$/i, 1e3],
  [/^(?:m|mm|mn|mil|mill|millions?)$/i, 1e6],
  [/^(?:b|bn|billion)$/i, 1e9],
];
const countWords: Record<string, number> = {
  a: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};
const figureDigits: Record<string, number> = { five: 5, six: 6, seven: 7, eight: 8, nine: 9 };

const approximatePrefix =
  /(?:\b(?:about|around|approximately|approx\.?|roughly|circa|close\s+to|nearly|almost|like|maybe|probably)|~)\s*$/iu;
const floorPrefix =
  /(?:\b(?:over|above|more\s+than|at\s+least|north\s+of|upwards\s+of|in\s+excess\s+of)|[>≥]=?)\s*$/iu;
const ceilingPrefix = /(?:\b(?:under|below|less\s+than|at\s+most|up\s+to|south\s+of)|[<≤]=?)\s*$/iu;
const floorSuffix = /^\s*(?:\+|(?:plus|or\s+more|or\s+above|or\s+higher|and\s+up|and\s+above)(?![\p{L}]))/iu;
const ceilingSuffix = /^\s*(?:or\s+less|or\s+below|or\s+under)(?![\p{L}])/iu;
const periodSuffix =
  /^\s*(?:(?:\/|(?:a|an|per|each|every)\s)\s*(?<unit>year|yr|annum|month|mo|week|wk|hour|hr|day)s?(?![\p{L}])|(?<adverb>annually|annual|yearly|monthly|weekly|hourly|daily|p\.a\.?)(?![\p{L}]))/iu;
/** An income noun right after the amount: "£60,000 salary", "150k base", "90k a year in total comp". */
const incomeNounSuffix =
  /^\s*(?:(?:in|of|as)\s+)?(?:(?:annual|yearly|base|gross|net|household|total)\s+)?(?:salary|income|base|comp|compensation|wages?|pay|take[- ]home)(?![\p{L}])/iu;
/** Where the money sits, right after the amount: "300k in savings", "100k of stock", "50k into index funds". */
const holdingSuffix =
  /^\s*(?:in|into|on|of|across|at)\s+(?:\S+\s+){0,2}?(?:portfolios?|accounts?|savings|stocks?|shares|equity|cash|crypto|bitcoin|investments?|funds?|bonds|assets|bank|market|retirement|ira|401k|brokerage|real\s+estate|property|debt|loans?)(?![\p{L}])/iu;
/** What follows a number that is a count, a percentage or a multiple, not money. */
const countNounSuffix =
  /^\s*(?:%|percent|x(?![\p{L}])|(?:shares?|stocks?|kids?|children|people|employees|trades?|years?|yrs?|months?|weeks?|days?|hours?|times|points?|pts|contracts?|options?|units?|lots?|positions?|accounts?|companies|clients|customers|followers|subscribers|views)(?![\p{L}]))/iu;
/** A bare year after a preposition ("since 2019") is a date. */
const yearPreposition = /\b(?:in|since|from|of|until|till|by|during|year|class)\s*$/iu;

const incomeCue =
  /\bincome\b|\bsalar(?:y|ies)\b|\bearn(?:s|ed|ing)?\b|\b(?:my|our)\s+earnings\b|\bmak(?:e|es|ing)\b|\bpaycheck\b|\b(?:my|the|take[- ]home|base|annual|monthly|gross|net)\s+pay\b|\b(?:get|gets|got|getting|am|i'm|im|be|being|was|were|is|are)\s+paid\b|\b(?:total\s+)?comp(?:ensation)?\b|\btc\b|\bwages?\b|\bannual(?:ly)?\b|\byearly\b|\bbring(?:s|ing)?\s+(?:in|home)\b|\bpull(?:s|ing)?\s+(?:in|down)\b|\btak(?:e|es|ing)\s+home\b/giu;
const notIncomeCue =
  /\bportfolios?\b|\baccounts?\b|\bsav(?:e|ed|es|ing|ings)\b|\bnet\s*worth\b|\bworth\b|\binvest(?:s|ed|ing|ment|ments)?\b|\bbought\b|\bbuy(?:s|ing)?\b|\bsold\b|\bsell(?:s|ing)?\b|\bshares?\b|\bstocks?\b|\bpositions?\b|\bspen(?:d|ds|t|ding)\b|\bpay(?:s|ing)?\b|\bpaid\b|\bcosts?\b|\bpric(?:e|es|ed)\b|\brent\b|\bmortgage\b|\bloans?\b|\bdebts?\b|\bowe\b|\blost\b|\blos(?:e|es|ing|s|ses)\b|\bprofits?\b|\bgains?\b|\breturns?\b|\bcapital\b|\bdeposit(?:s|ed)?\b|\bbudget\b|\bbalance\b|\brevenue\b|\bsales\b|\bmarket\s*cap\b|\bvaluation\b|\b(?:want|wants|wanted|hope|hoping|trying|try|plan|planning|like|need|needs|going|goal\s+is)\s+to\s+(?:make|earn)\b/giu;
/** Retirement-plan names are not amounts: "my 401k is 100k". */
const retirementPlan = /\b40[13]\s?\(?[kb]\)?(?![\p{L}])/giu;
const sentenceEnd = /[.!;\n](?=\s|$)/gu;
const lookbackWords = /(?:\S+\s*){0,8}$/u;

interface Candidate {
  start: number;
  end: number;
  /** The stated amounts (low, high), yearly or not yet scaled to a year. */
  low: number;
  high: number;
  /** `low`/`high` are one exact amount, so the prefixes and suffixes of a single amount apply. */
  single: boolean;
  /** Written as money ($, k, "grand", "dollars", 85,000, "six figures"), not a bare number. */
  moneyMarked: boolean;
}

interface Reading {
  income: Income;
  explicit: boolean;
  moneyMarked: boolean;
}

/**
 * The income a user states in `text`, normalised to a yearly range, or null
 * when there is none, it is not income, it is per hour or per day (out of
 * scope), or it is absurd.
 */
export function parseIncome(text: string, options: IncomeParseOptions): Income | null {
  const prepared = text
    .normalize('NFC')
    .replace(/[‘’]/g, "'")
    .replace(retirementPlan, (plan) => ' '.repeat(plan.length));
  let best: Reading | null = null;
  for (const candidate of findCandidates(prepared)) {
    const reading = readCandidate(prepared, candidate, options);
    if (!reading) continue;
    if (!best || score(reading) > score(best)) best = reading;
  }
  return best?.income ?? null;
}

/** An amount tied to a cue beats one read only because the assistant asked; money beats a bare number; then the first. */
function score(reading: Reading): number {
  return (reading.explicit ? 2 : 0) + (reading.moneyMarked ? 1 : 0);
}

function findCandidates(text: string): Candidate[] {
  const candidates = [
    ...[...text.matchAll(betweenRange), ...text.matchAll(rangeOrAmount)].map(numericCandidate),
    ...[...text.matchAll(figures)].map(figuresCandidate),
    ...[...text.matchAll(wordedAmount)].map(wordedCandidate),
  ].sort((a, b) => a.start - b.start || b.end - a.end);
  // Where two readings overlap ("6 figures" is also the number 6), the longer one is the intended one.
  const kept: Candidate[] = [];
  for (const candidate of candidates) {
    if (!kept.some((other) => candidate.start < other.end && other.start < candidate.end))
      kept.push(candidate);
  }
  return kept;
}

function numericCandidate(match: RegExpExecArray): Candidate {
  const { numberLow, multiplierLow, numberHigh, multiplierHigh } = match.groups ?? {};
  const { currencyLow, unitLow, currencyHigh, unitHigh } = match.groups ?? {};
  const start = match.index;
  const end = start + match[0].length;
  // Thousands separators are how people write money ("85,000"), not head counts.
  const moneyMarked =
    [currencyLow, multiplierLow, unitLow, currencyHigh, multiplierHigh, unitHigh].some(
      (mark) => mark !== undefined,
    ) || [numberLow, numberHigh].some((written) => written?.includes(',') === true);
  const low = Number(numberLow?.replaceAll(',', ''));
  const lowMultiplier = multiplierValue(multiplierLow);
  if (numberHigh === undefined) {
    const amount = low * (lowMultiplier ?? 1);
    return { start, end, low: amount, high: amount, single: true, moneyMarked };
  }
  const high = Number(numberHigh.replaceAll(',', ''));
  const highMultiplier = multiplierValue(multiplierHigh) ?? 1;
  // "80-100k": a multiplier written once belongs to both ends.
  const sharedMultiplier = lowMultiplier ?? (low <= high ? highMultiplier : 1);
  return { start, end, low: low * sharedMultiplier, high: high * highMultiplier, single: false, moneyMarked };
}

function multiplierValue(written: string | undefined): number | undefined {
  if (written === undefined) return undefined;
  return multiplierValues.find(([pattern]) => pattern.test(written))?.[1];
}

/** "six figures" = 100,000–999,999; "low/mid/high" narrow it to about the first, middle and last thirds. */
function figuresCandidate(match: RegExpExecArray): Candidate {
  const groups = match.groups ?? {};
  const digitsWord = (groups.digits ?? '').toLowerCase();
  const digits = figureDigits[digitsWord] ?? Number(digitsWord);
  const base = 10 ** (digits - 1);
  const band = groups.band?.toLowerCase();
  const [lowFactor, highFactor] =
    band === 'low' || band === 'lower'
      ? [1, 3]
      : band === 'mid' || band === 'middle'
        ? [3, 7]
        : band
          ? [7, 10]
          : [1, 10];
  const start = match.index;
  return {
    start,
    end: start + match[0].length,
    low: base * lowFactor,
    high: base * highFactor - 1,
    single: false,
    moneyMarked: true,
  };
}

function wordedCandidate(match: RegExpExecArray): Candidate {
  const groups = match.groups ?? {};
  const count = (groups.count ?? '').toLowerCase();
  const magnitude = (groups.magnitude ?? '').toLowerCase();
  const amount = count.startsWith('half')
    ? (magnitude === 'million' ? 1e6 : 1e5) / 2
    : (countWords[count] ?? 1) * (magnitude === 'million' ? 1e6 : 1e5);
  const start = match.index;
  return { start, end: start + match[0].length, low: amount, high: amount, single: true, moneyMarked: true };
}

function readCandidate(text: string, candidate: Candidate, options: IncomeParseOptions): Reading | null {
  const before = text.slice(0, candidate.start);
  let after = text.slice(candidate.end);
  if (countNounSuffix.test(after)) return null;
  if (
    !candidate.moneyMarked &&
    candidate.single &&
    candidate.low >= 1900 &&
    candidate.low < 2100 &&
    yearPreposition.test(before)
  ) {
    return null;
  }

  let start = candidate.start;
  let min = candidate.low;
  let max = candidate.high;
  if (candidate.single) {
    const approximate = approximatePrefix.exec(before);
    const floor = floorPrefix.exec(before);
    const ceiling = ceilingPrefix.exec(before);
    const prefix = approximate ?? floor ?? ceiling;
    if (prefix) start = prefix.index;
    if (floor) max = maxAnnualIncomeUsd;
    if (ceiling) min = 0;
  }
  let end = candidate.end;
  const consume = (pattern: RegExp): RegExpExecArray | null => {
    const found = pattern.exec(after);
    if (found) {
      end += found[0].length;
      after = after.slice(found[0].length);
    }
    return found;
  };
  let openAbove = consume(floorSuffix) !== null;
  const period = consume(periodSuffix);
  openAbove = consume(floorSuffix) !== null || openAbove;
  const openBelow = consume(ceilingSuffix) !== null;
  const incomeNoun = incomeNounSuffix.test(after);
  if (candidate.single && openAbove) max = maxAnnualIncomeUsd;
  if (candidate.single && openBelow) min = 0;

  const perYear = period ? periodsPerYear(period.groups?.unit ?? period.groups?.adverb ?? '') : 1;
  if (perYear === null) return null;
  const statedLow = candidate.low * perYear;
  const statedHigh = candidate.high * perYear;
  if (statedLow > statedHigh || !plausible(statedLow) || !plausible(statedHigh)) return null;

  const cue = nearestCue(before.slice(0, start));
  if (cue === 'not-income' || (cue === null && holdingSuffix.test(after))) return null;
  const explicit = cue === 'income' || period !== null || incomeNoun;
  if (!explicit && !options.cued) return null;

  const annualMin = Math.round(Math.min(min * perYear, maxAnnualIncomeUsd));
  const annualMax = Math.round(Math.min(max * perYear, maxAnnualIncomeUsd));
  return {
    income: {
      raw: text.slice(start, end).trim(),
      annual_usd_min: annualMin,
      annual_usd_max: annualMax,
      bucket: incomeBucket(annualMin),
    },
    explicit,
    moneyMarked: candidate.moneyMarked || period !== null,
  };
}

/** How many of the period make a year; null for hourly and daily pay, which need hours worked to annualise. */
function periodsPerYear(unit: string): number | null {
  const word = unit.toLowerCase();
  if (/^(?:year|yr|annum|annually|annual|yearly|p\.a\.?)$/.test(word)) return 1;
  if (/^(?:month|mo|monthly)$/.test(word)) return 12;
  if (/^(?:week|wk|weekly)$/.test(word)) return 52;
  return null;
}

function plausible(annualUsd: number): boolean {
  return annualUsd >= minAnnualIncomeUsd && annualUsd <= maxAnnualIncomeUsd;
}

/** The kind of the keyword nearest before an amount, within its sentence and eight words. */
function nearestCue(before: string): 'income' | 'not-income' | null {
  const sentenceStart = Math.max(0, ...[...before.matchAll(sentenceEnd)].map((end) => (end.index ?? 0) + 1));
  const window = lookbackWords.exec(before.slice(sentenceStart))?.[0] ?? '';
  const income = lastMatch(window, incomeCue);
  const notIncome = lastMatch(window, notIncomeCue);
  if (!income) return notIncome ? 'not-income' : null;
  if (!notIncome) return 'income';
  // Nearest end wins; on a tie the longer phrase is the more specific one ("want to make" over "make").
  if (notIncome.end !== income.end) return notIncome.end > income.end ? 'not-income' : 'income';
  return notIncome.start < income.start ? 'not-income' : 'income';
}

function lastMatch(text: string, pattern: RegExp): { start: number; end: number } | null {
  let last: { start: number; end: number } | null = null;
  for (const found of text.matchAll(pattern)) {
    const start = found.index ?? 0;
    const end = start + found[0].length;
    if (!last || end > last.end || (end === last.end && start < last.start)) last = { start, end };
  }
  return last;
}
