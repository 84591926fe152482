import { readFileSync } from 'node:fs';
import type { TokenUsage } from '@switchboard/contracts/chat';
import { describeErrors } from '@switchboard/runtime/validation-message';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';

/*
 * What a provider call costs, from the price table in `config/prices.json`
 * (002 B7 [fix]: prices live in config, per model; an unknown model has no
 * cost rather than a wrong one).
 */

const ModelPrice = Type.Object(
  {
    /** USD per 1,000 prompt (input) tokens. */
    prompt: Type.Number({ minimum: 0 }),
    /** USD per 1,000 completion (output) tokens. */
    completion: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ModelPrice = Static<typeof ModelPrice>;

export const PriceTableSchema = Type.Object(
  {
    unit: Type.Literal('usd_per_1k_tokens'),
    models: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9._:-]*$' }), ModelPrice),
  },
  { additionalProperties: false },
);
export type PriceTable = Static<typeof PriceTableSchema>;

const tableValidator = Compile(PriceTableSchema);

export const defaultPricesUrl = new URL('../../config/prices.json', import.meta.url);

/** Reads and checks a price table; throws naming every problem, so a bad file stops the service at start. */
export function loadPriceTable(path: string | URL = defaultPricesUrl): PriceTable {
  let table: unknown;
  try {
    table = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`price table ${String(path)} cannot be read: ${(error as Error).message}`);
  }
  if (!tableValidator.Check(table)) {
    const problems = describeErrors(tableValidator.Errors(table));
    throw new Error(`price table ${String(path)} is invalid: ${problems.join('; ')}`);
  }
  return table;
}

/**
 * A dated snapshot of a priced model (`gpt-4o-mini-2024-07-18`, `gpt-4-0613`,
 * `gpt-3.5-turbo-0125`) costs what the model does. Other suffixes name other
 * products with other prices (`gpt-4.1-nano`, `gpt-4o-realtime-preview`,
 * `gpt-4-32k`), so they stay unknown rather than priced wrongly.
 */
const snapshotSuffix = /^-\d{4}(?:-\d{2}-\d{2})?$/;

/** The table entry a model is priced as: its exact name, else the longest entry it is a snapshot of; null if none. */
export function pricedModel(table: PriceTable, model: string): string | null {
  const name = model.trim().toLowerCase();
  if (Object.hasOwn(table.models, name)) return name;
  let best: string | null = null;
  for (const known of Object.keys(table.models)) {
    if (name.startsWith(known) && snapshotSuffix.test(name.slice(known.length))) {
      if (best === null || known.length > best.length) best = known;
    }
  }
  return best;
}

export interface CallCosts {
  prompt_usd: number;
  completion_usd: number;
  total_usd: number;
}

const round6 = (usd: number) => Math.round((usd + Number.EPSILON) * 1e6) / 1e6;

/**
 * The call's cost in USD split into prompt and completion tokens (002 B6's
 * `prompt_cost_usd`/`completion_cost_usd`), each rounded to 6 decimals; the
 * total is rounded from the exact sum. Null when the model has no price.
 */
export function costsOf(
  table: PriceTable,
  model: string,
  usage: Pick<TokenUsage, 'prompt_tokens' | 'completion_tokens'>,
): CallCosts | null {
  const entry = pricedModel(table, model);
  if (entry === null) return null;
  const price = table.models[entry]!;
  const prompt = (usage.prompt_tokens / 1000) * price.prompt;
  const completion = (usage.completion_tokens / 1000) * price.completion;
  return {
    prompt_usd: round6(prompt),
    completion_usd: round6(completion),
    total_usd: round6(prompt + completion),
  };
}
