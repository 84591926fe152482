import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { costsOf, loadPriceTable, pricedModel } from './pricing.js';

const costOf = (...args: Parameters<typeof costsOf>) => costsOf(...args)?.total_usd ?? null;

const table = loadPriceTable();
const tokens = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
});

describe('price table', () => {
  it('prices every model the chat service offers, and the offline provider at 0', () => {
    for (const model of [
      'gpt-4o-mini',
      'gpt-4o',
      'gpt-4.1',
      'gpt-4.1-mini',
      'gpt-4-turbo',
      'gpt-4',
      'gpt-3.5-turbo',
      'gpt-3.5-turbo-16k',
      'offline',
    ]) {
      expect(table.models[model], model).toBeDefined();
    }
    expect(costOf(table, 'offline', tokens(5000, 5000))).toBe(0);
  });

  it("keeps 002's prices for the models it priced (B6)", () => {
    expect(table.models['gpt-4']).toEqual({ prompt: 0.03, completion: 0.06 });
    expect(table.models['gpt-4-turbo']).toEqual({ prompt: 0.01, completion: 0.03 });
    expect(table.models['gpt-3.5-turbo']).toEqual({ prompt: 0.0015, completion: 0.002 });
    expect(table.models['gpt-3.5-turbo-16k']).toEqual({ prompt: 0.003, completion: 0.004 });
  });

  it('costs prompt and completion tokens per 1K, rounded to 6 decimals', () => {
    expect(costOf(table, 'gpt-4', tokens(1000, 1000))).toBe(0.09);
    expect(costOf(table, 'gpt-4o-mini', tokens(1234, 567))).toBe(0.000525); // 0.0001851 + 0.0003402
    expect(costOf(table, 'gpt-3.5-turbo', tokens(1, 0))).toBe(0.000002); // 0.0000015 rounds up
    expect(costOf(table, 'gpt-4o', tokens(0, 0))).toBe(0);
  });

  it('splits the cost into prompt and completion tokens, each rounded to 6 decimals (002 B6)', () => {
    expect(costsOf(table, 'gpt-4', tokens(1000, 1000))).toEqual({
      prompt_usd: 0.03,
      completion_usd: 0.06,
      total_usd: 0.09,
    });
    // 0.0001851 + 0.0003402: the parts round on their own, the total from the exact sum.
    expect(costsOf(table, 'gpt-4o-mini-2024-07-18', tokens(1234, 567))).toEqual({
      prompt_usd: 0.000185,
      completion_usd: 0.00034,
      total_usd: 0.000525,
    });
    expect(costsOf(table, 'gpt-3.5-turbo', tokens(2000, 0))).toEqual({
      prompt_usd: 0.003,
      completion_usd: 0,
      total_usd: 0.003,
    });
    expect(costsOf(table, 'offline', tokens(10, 10))).toEqual({
      prompt_usd: 0,
      completion_usd: 0,
      total_usd: 0,
    });
    expect(costsOf(table, 'llama3:8b', tokens(10, 10))).toBeNull();
  });

  it('prices a dated snapshot as its model, and never a different model as a shorter name', () => {
    expect(pricedModel(table, 'gpt-4o-mini-2024-07-18')).toBe('gpt-4o-mini');
    expect(pricedModel(table, 'gpt-4o-2024-08-06')).toBe('gpt-4o');
    expect(pricedModel(table, 'gpt-4-turbo-2024-04-09')).toBe('gpt-4-turbo');
    expect(pricedModel(table, 'gpt-4-0613')).toBe('gpt-4');
    expect(pricedModel(table, 'gpt-3.5-turbo-0125')).toBe('gpt-3.5-turbo');
    expect(pricedModel(table, 'gpt-3.5-turbo-16k-0613')).toBe('gpt-3.5-turbo-16k');
    expect(pricedModel(table, 'GPT-4o')).toBe('gpt-4o');
    // 002 priced every gpt-4* name as gpt-4; these are other products at other prices.
    for (const other of [
      'gpt-4.5-preview',
      'gpt-4.1-nano',
      'gpt-4o-realtime-preview',
      'gpt-4-32k',
      'gpt-5',
    ]) {
      expect(pricedModel(table, other), other).toBeNull();
      expect(costOf(table, other, tokens(1000, 1000)), other).toBeNull();
    }
    expect(costOf(table, 'llama3:8b', tokens(10, 10))).toBeNull();
  });

  it('refuses a table file that is unreadable or breaks the schema, saying where', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-prices-'));
    const write = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    expect(() => loadPriceTable(join(dir, 'missing.json'))).toThrow(/cannot be read/);
    expect(() => loadPriceTable(write('broken.json', '{'))).toThrow(/cannot be read/);
    const negative = JSON.stringify({
      unit: 'usd_per_1k_tokens',
      models: { m: { prompt: -1, completion: 0 } },
    });
    expect(() => loadPriceTable(write('negative.json', negative))).toThrow(/invalid: .*\/models\/m\/prompt/);
    const perMillion = JSON.stringify({ unit: 'usd_per_1m_tokens', models: {} });
    expect(() => loadPriceTable(write('unit.json', perMillion))).toThrow(/invalid/);
    const custom = JSON.stringify({
      unit: 'usd_per_1k_tokens',
      models: { 'my-model': { prompt: 1, completion: 2 } },
    });
    expect(costOf(loadPriceTable(write('custom.json', custom)), 'my-model', tokens(500, 500))).toBe(1.5);
  });
});
