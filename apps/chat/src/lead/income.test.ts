import { describe, expect, it } from 'vitest';
import { maxAnnualIncomeUsd, parseIncome } from './income.js';

describe('parseIncome', () => {
  it.each([
    // [text, cued by the assistant's question, raw, min, max, bucket]
    ['120k', true, '120k', 120_000, 120_000, '100k-200k'],
    ['$85,000 a year', false, '$85,000 a year', 85_000, 85_000, '50k-100k'],
    ['about 2 million', true, 'about 2 million', 2_000_000, 2_000_000, '1m+'],
    ['1.5m', true, '1.5m', 1_500_000, 1_500_000, '1m+'],
    ['$150k', true, '$150k', 150_000, 150_000, '100k-200k'],
    ['between 80 and 100k', true, 'between 80 and 100k', 80_000, 100_000, '50k-100k'],
    ['80-100k', true, '80-100k', 80_000, 100_000, '50k-100k'],
    ['$80,000 - $100,000', true, '$80,000 - $100,000', 80_000, 100_000, '50k-100k'],
    ['like 70-80k a year', false, '70-80k a year', 70_000, 80_000, '50k-100k'],
    ['six figures', true, 'six figures', 100_000, 999_999, '100k-200k'],
    ['Income: 6 figures', false, '6 figures', 100_000, 999_999, '100k-200k'],
    ['low six figures', true, 'low six figures', 100_000, 299_999, '100k-200k'],
    ['seven figures', true, 'seven figures', 1_000_000, 9_999_999, '1m+'],
    ['200k+', true, '200k+', 200_000, maxAnnualIncomeUsd, '200k-500k'],
    ["I'm pulling in 300k+", false, '300k+', 300_000, maxAnnualIncomeUsd, '200k-500k'],
    ['over 250k', true, 'over 250k', 250_000, maxAnnualIncomeUsd, '200k-500k'],
    ['under 50k', true, 'under 50k', 0, 50_000, '<50k'],
    ['around 50 grand', true, 'around 50 grand', 50_000, 50_000, '50k-100k'],
    ['£60,000', true, '£60,000', 60_000, 60_000, '50k-100k'],
    ['€90k gross salary', false, '€90k', 90_000, 90_000, '50k-100k'],
    ['5k a month', true, '5k a month', 60_000, 60_000, '50k-100k'],
    ['I make 2.5k per month', false, '2.5k per month', 30_000, 30_000, '<50k'],
    ['I earn 10k a week', false, '10k a week', 520_000, 520_000, '500k-1m'],
    ['120k/yr', false, '120k/yr', 120_000, 120_000, '100k-200k'],
    ['I make 80 to 100 thousand', false, '80 to 100 thousand', 80_000, 100_000, '50k-100k'],
    ['half a million a year', false, 'half a million a year', 500_000, 500_000, '500k-1m'],
    ['I earn 1.2M per annum', false, '1.2M per annum', 1_200_000, 1_200_000, '1m+'],
    ['my comp is 180k', false, '180k', 180_000, 180_000, '100k-200k'],
    ['TC is 450k', false, '450k', 450_000, 450_000, '200k-500k'],
    ['I get paid 95k', false, '95k', 95_000, 95_000, '50k-100k'],
    ['150k base plus bonus', false, '150k', 150_000, 150_000, '100k-200k'],
    ['we bring in about 250k combined', false, 'about 250k', 250_000, 250_000, '200k-500k'],
    ['My salary in 2019 was 85k', false, '85k', 85_000, 85_000, '50k-100k'],
    ['I have 2 kids and make 70k', true, '70k', 70_000, 70_000, '50k-100k'],
    ['I make 120k. My portfolio is 300k', false, '120k', 120_000, 120_000, '100k-200k'],
  ])('%s (cued: %s) → %s', (text, cued, raw, min, max, bucket) => {
    expect(parseIncome(text, { cued })).toEqual({ raw, annual_usd_min: min, annual_usd_max: max, bucket });
  });

  it.each([
    // No cue: an amount in a market chat is not an income unless tied to one.
    ['150k', false],
    ['somewhere around 120K', false],
    ['my account is 100k', false],
    ['I bought 100 shares at $45', false],
    ['made 50k on tesla', false],
    // Money that is not income, even right after the question.
    ['my account is 100k', true],
    ['I have 300k in savings', true],
    ['my 401k is maxed out', true],
    ['I paid 45k for my car', true],
    ['I pay 2k a month in rent', true],
    ['I want to make a million', true],
    ['I make 3 trades a day', true],
    ["I'm up 10% this year", true],
    ['100k shares of SPY', true],
    ['Since 2019, mostly index funds', true],
    // Counts, hourly and daily pay, absurd amounts.
    ['I have 5 kids', true],
    ['I bought 100 shares at $45', true],
    ['I make $50 an hour', false],
    ['I earn 1200 a day', false],
    ['I make 500 a year', false],
    ['I make 2 billion a year', false],
    ["I'd rather not say", true],
  ])('%s (cued: %s) → nothing', (text, cued) => {
    expect(parseIncome(text, { cued })).toBeNull();
  });
});
