import type { DataCollected } from '@switchboard/contracts/chat';

/** The three things the lead assistant collects, in the order it asks for them (A6). */
export const leadSlotNames = ['name', 'email', 'income'] as const;
export type LeadSlotName = (typeof leadSlotNames)[number];

/**
 * Income bands the lead is filed under (A11.9: store income as a bucket).
 * The lower bound of each band is inclusive: 100,000 is "100k-200k".
 */
export const incomeBuckets = ['<50k', '50k-100k', '100k-200k', '200k-500k', '500k-1m', '1m+'] as const;
export type IncomeBucket = (typeof incomeBuckets)[number];

/**
 * A stated income, normalised to US dollars a year. Amounts in pounds or euros
 * are taken at face value: the bucket only has to be roughly right, and `raw`
 * keeps what the user wrote. An open-ended answer ("200k+") has `annual_usd_max`
 * set to the largest income the parser accepts.
 */
export interface Income {
  raw: string;
  annual_usd_min: number;
  annual_usd_max: number;
  /** One of `incomeBuckets`; typed as a string because stored leads come back through the stores' schema. */
  bucket: string;
}

export interface LeadSlots {
  name?: string;
  email?: string;
  income?: Income;
}

const bucketFloors: ReadonlyArray<readonly [number, IncomeBucket]> = [
  [1_000_000, '1m+'],
  [500_000, '500k-1m'],
  [200_000, '200k-500k'],
  [100_000, '100k-200k'],
  [50_000, '50k-100k'],
];

/**
 * The band of an income range, judged by its lower bound: the only bound an
 * open-ended answer has, and the cautious reading of a range for risk appetite.
 */
export function incomeBucket(annualUsdMin: number): IncomeBucket {
  return bucketFloors.find(([floor]) => annualUsdMin >= floor)?.[1] ?? '<50k';
}

export function dataCollected(slots: LeadSlots): DataCollected {
  return {
    name: slots.name !== undefined,
    email: slots.email !== undefined,
    income: slots.income !== undefined,
  };
}

export function missingSlots(slots: LeadSlots): LeadSlotName[] {
  return leadSlotNames.filter((slot) => slots[slot] === undefined);
}

export function isComplete(slots: LeadSlots): boolean {
  return missingSlots(slots).length === 0;
}
