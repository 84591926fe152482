import { describe, expect, it } from 'vitest';
import { extractLeadSlots } from './lead-extractor.js';
import type { Income, LeadSlotName, LeadSlots } from './lead-slots.js';

/** What a case expects, compactly: income as its yearly [min, max]. Anything not listed must not be extracted. */
interface Expected {
  name?: string;
  email?: string;
  income?: [number, number];
  corrections?: LeadSlotName[];
}

interface Case {
  says: string;
  askedFor?: LeadSlotName;
  known?: LeadSlots;
  expected: Expected;
}

function extracted(says: string, askedFor: LeadSlotName | undefined, known: LeadSlots = {}): Expected {
  const { updates, corrections } = extractLeadSlots(says, { ...(askedFor ? { askedFor } : {}), known });
  return {
    ...(updates.name === undefined ? {} : { name: updates.name }),
    ...(updates.email === undefined ? {} : { email: updates.email }),
    ...(updates.income === undefined
      ? {}
      : { income: [updates.income.annual_usd_min, updates.income.annual_usd_max] as [number, number] }),
    ...(corrections.length === 0 ? {} : { corrections }),
  };
}

const income = (annual: number, raw = `${annual}`): Income => ({
  raw,
  annual_usd_min: annual,
  annual_usd_max: annual,
  bucket: '50k-100k',
});

describe('extractLeadSlots: what the original extractor got wrong (A6) must come out right', () => {
  it.each<Case>([
    { says: "I'm interested in value investing", expected: {} },
    { says: 'This is great advice', expected: {} },
    {
      says: 'My name is John Doe and I make 120000 a year',
      expected: { name: 'John Doe', income: [120_000, 120_000] },
    },
    { says: 'I have 5 kids', expected: {} },
    { says: 'I earn $1200000 annually', expected: { income: [1_200_000, 1_200_000] } },
    { says: 'I bought 100 shares at $45', expected: {} },
    { says: 'my salary is around 85,000', expected: { income: [85_000, 85_000] } },
    { says: "I'm José", expected: { name: 'José' } },
    { says: 'I’m Sarah', expected: { name: 'Sarah' } },
  ])('$says', ({ says, askedFor, known, expected }) => {
    expect(extracted(says, askedFor, known)).toEqual(expected);
  });
});

describe('extractLeadSlots: messy real-life messages', () => {
  it.each<Case>([
    // Acceptance scenario 1: everything in one breath.
    {
      says: "Hi, I'm Bob. email bob@x.io, income $150k",
      expected: { name: 'Bob', email: 'bob@x.io', income: [150_000, 150_000] },
    },
    {
      says: "Hi! I'm Sarah O'Connor, email sarah.oconnor@gmail.com, and I earn around $95,000 per year.",
      expected: { name: "Sarah O'Connor", email: 'sarah.oconnor@gmail.com', income: [95_000, 95_000] },
    },
    // Emails.
    { says: 'sure, bob+leads@x.io', expected: { email: 'bob+leads@x.io' } },
    { says: 'It is Bob.Smith@Example.COM', expected: { email: 'Bob.Smith@example.com' } },
    { says: 'email me at bob@x.io.', expected: { email: 'bob@x.io' } },
    { says: 'reach me at <bob@x.io> anytime', expected: { email: 'bob@x.io' } },
    { says: 'my email is a@b', expected: {} },
    { says: 'my email is a@@b.com', expected: {} },
    { says: 'my email is a..b@c.com', expected: {} },
    { says: 'my email is @x.com', expected: {} },
    // Income: the forms people write, when the assistant has just asked.
    { says: '120k', askedFor: 'income', expected: { income: [120_000, 120_000] } },
    { says: '$85,000 a year', expected: { income: [85_000, 85_000] } },
    { says: 'about 2 million', askedFor: 'income', expected: { income: [2_000_000, 2_000_000] } },
    { says: '1.5m', askedFor: 'income', expected: { income: [1_500_000, 1_500_000] } },
    { says: '80-100k', askedFor: 'income', expected: { income: [80_000, 100_000] } },
    { says: 'between 80 and 100k', askedFor: 'income', expected: { income: [80_000, 100_000] } },
    { says: 'I make six figures', expected: { income: [100_000, 999_999] } },
    { says: '200k+', askedFor: 'income', expected: { income: [200_000, 1_000_000_000] } },
    { says: 'around 50 grand', askedFor: 'income', expected: { income: [50_000, 50_000] } },
    { says: 'I make 5k a month', expected: { income: [60_000, 60_000] } },
    { says: '£60,000 salary', expected: { income: [60_000, 60_000] } },
    // The same bare amount: an answer right after the question, a portfolio size otherwise.
    { says: '150k', askedFor: 'income', expected: { income: [150_000, 150_000] } },
    { says: '150k', expected: {} },
    { says: 'my account is 100k', expected: {} },
    { says: 'my account is 100k', askedFor: 'income', expected: {} },
    { says: 'my 401k is 100k and I make 90k', expected: { income: [90_000, 90_000] } },
    { says: 'I pay 2k a month in rent', expected: {} },
    { says: 'I want to make a million', expected: {} },
    { says: 'I make $50 an hour', expected: {} },
    { says: "I'm 35 and make about 150k a year", expected: { income: [150_000, 150_000] } },
    { says: 'My portfolio is 300k. I make 120k', expected: { income: [120_000, 120_000] } },
    { says: 'I make 3 trades a day and my account is 100k', expected: {} },
    { says: 'What do you think of NVDA at $900?', expected: {} },
    { says: "I'm up 10% this year", askedFor: 'income', expected: {} },
    // Names.
    { says: 'my name is john doe', expected: { name: 'John Doe' } },
    { says: 'My name is Anne-Marie and I trade options', expected: { name: 'Anne-Marie' } },
    { says: "Call me O'Brien", expected: { name: "O'Brien" } },
    { says: 'I am Nguyễn Văn An and I trade options', expected: { name: 'Nguyễn Văn An' } },
    { says: 'Hey there, Mike here. What is the deal with bonds?', expected: { name: 'Mike' } },
    { says: 'Bob', askedFor: 'name', expected: { name: 'Bob' } },
    { says: 'Sure, it’s Maria de la Cruz', askedFor: 'name', expected: { name: 'Maria de la Cruz' } },
    { says: 'Bob', expected: {} },
    { says: 'bob', askedFor: 'name', expected: {} },
    { says: "I'm Bob123", expected: {} },
    { says: 'This is AAPL at its best', expected: {} },
    { says: "I'm Canadian and new to this", expected: {} },
    // Refusals and deflections give nothing.
    { says: "I'd rather not say", askedFor: 'name', expected: {} },
    { says: "I'd rather not say", askedFor: 'income', expected: {} },
    { says: 'Not sure', askedFor: 'name', expected: {} },
    { says: 'None of your business, pal', askedFor: 'income', expected: {} },
  ])('$says (asked for: $askedFor)', ({ says, askedFor, known, expected }) => {
    expect(extracted(says, askedFor, known)).toEqual(expected);
  });
});

describe('extractLeadSlots: known slots and corrections', () => {
  it.each<Case>([
    // Acceptance scenario 2, second message.
    {
      says: 'actually use c@d.io',
      known: { email: 'a@b.co' },
      expected: { email: 'c@d.io', corrections: ['email'] },
    },
    {
      says: 'use c@d.io, not a@b.co',
      known: { email: 'a@b.co' },
      expected: { email: 'c@d.io', corrections: ['email'] },
    },
    {
      says: 'my email is a@b.co, sorry, I meant c@d.io',
      known: { email: 'a@b.co' },
      expected: { email: 'c@d.io', corrections: ['email'] },
    },
    { says: 'my email is c@d.io', known: { email: 'a@b.co' }, expected: {} },
    { says: 'no, it’s Robert', known: { name: 'Bob' }, expected: { name: 'Robert', corrections: ['name'] } },
    {
      says: 'correction: my name is Robert',
      known: { name: 'Bob' },
      expected: { name: 'Robert', corrections: ['name'] },
    },
    { says: "I'm Robert", known: { name: 'Bob' }, expected: {} },
    {
      says: 'I meant 150k',
      known: { income: income(50_000, '50k') },
      expected: { income: [150_000, 150_000], corrections: ['income'] },
    },
    { says: 'I make 50k a year', known: { income: income(50_000, '50k') }, expected: {} },
    // Restating the known value is no update at all.
    { says: 'actually my email is A@B.CO', known: { email: 'a@b.co' }, expected: {} },
  ])('$says (known: $known)', ({ says, askedFor, known, expected }) => {
    expect(extracted(says, askedFor, known)).toEqual(expected);
  });

  it('scenario 2 end to end: the first address is stored, the corrected one replaces it', () => {
    const first = extractLeadSlots('my email is a@b.co', { known: {} });
    expect(first.updates).toEqual({ email: 'a@b.co' });
    const known: LeadSlots = { ...first.updates };
    const second = extractLeadSlots('actually use c@d.io', { known });
    expect({ ...known, ...second.updates }).toEqual({ email: 'c@d.io' });
    expect(second.corrections).toEqual(['email']);
  });

  it('keeps what the user wrote as the raw income and files it under a bucket', () => {
    const { updates } = extractLeadSlots("Hi, I'm Bob. email bob@x.io, income $150k", { known: {} });
    expect(updates.income).toEqual({
      raw: '$150k',
      annual_usd_min: 150_000,
      annual_usd_max: 150_000,
      bucket: '100k-200k',
    });
  });

  it('never reads the digits of an address as an income', () => {
    expect(
      extractLeadSlots('my salary email is pay150k@x.io', { askedFor: 'income', known: {} }).updates,
    ).toEqual({
      email: 'pay150k@x.io',
    });
  });
});
