import { describe, expect, it } from 'vitest';
import { dataCollected, incomeBucket, isComplete, type LeadSlots, missingSlots } from './lead-slots.js';

const income = { raw: '$150k', annual_usd_min: 150_000, annual_usd_max: 150_000, bucket: '100k-200k' };

describe('lead slots', () => {
  it.each<[LeadSlots, string[]]>([
    [{}, ['name', 'email', 'income']],
    [{ email: 'bob@x.io' }, ['name', 'income']],
    [{ income }, ['name', 'email']],
    [{ name: 'Bob', email: 'bob@x.io', income }, []],
  ])('%j is missing %j', (slots, missing) => {
    expect(missingSlots(slots)).toEqual(missing);
    expect(isComplete(slots)).toBe(missing.length === 0);
    expect(dataCollected(slots)).toEqual({
      name: !missing.includes('name'),
      email: !missing.includes('email'),
      income: !missing.includes('income'),
    });
  });

  it.each([
    [0, '<50k'],
    [49_999, '<50k'],
    [50_000, '50k-100k'],
    [99_999, '50k-100k'],
    [100_000, '100k-200k'],
    [200_000, '200k-500k'],
    [500_000, '500k-1m'],
    [999_999, '500k-1m'],
    [1_000_000, '1m+'],
  ])('files %d under %s', (annual, bucket) => {
    expect(incomeBucket(annual)).toBe(bucket);
  });
});
