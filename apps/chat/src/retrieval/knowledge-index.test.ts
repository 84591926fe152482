import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KnowledgeIndex } from './knowledge-index.js';

const knowledgeBase = readFileSync(
  new URL('../../config/knowledge/lead/knowledge_base.txt', import.meta.url),
  'utf8',
);
const index = KnowledgeIndex.fromDocuments([{ source: 'knowledge_base.txt', text: knowledgeBase }]);

describe('KnowledgeIndex', () => {
  it.each([
    ['What is a PEG ratio?', 3],
    ['how much should I risk per trade', 6],
    ['explain cash secured puts', 7],
  ])('answers "%s" with paragraph %i of the A10 knowledge base first', (query, paragraph) => {
    const hits = index.search(query);
    expect(hits[0]).toMatchObject({ source: 'knowledge_base.txt', chunk: paragraph - 1 });
    expect(hits[0]!.excerpt).toBe(knowledgeBase.trim().split('\n\n')[paragraph - 1]);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]?.score ?? 0);
  });

  it('returns at most top_k passages, best first, scored between 0 and 1', () => {
    const hits = index.search('stocks price market rates');
    expect(hits).toHaveLength(5);
    expect(index.search('stocks price market rates', { topK: 2 })).toEqual(hits.slice(0, 2));
    for (const [i, hit] of hits.entries()) {
      expect(hit.score).toBeGreaterThan(0);
      expect(hit.score).toBeLessThanOrEqual(1);
      if (i > 0) expect(hit.score).toBeLessThanOrEqual(hits[i - 1]!.score);
    }
    expect(index.search('stocks', { topK: 0 })).toEqual([]);
  });

  it('scores a passage lower when the query also asks about words it lacks', () => {
    const focused = index.search('PEG ratio')[0]!;
    const diluted = index.search('PEG ratio of dividend aristocrats')[0]!;
    expect(diluted.chunk).toBe(focused.chunk);
    expect(diluted.score).toBeLessThan(focused.score);
    // Comparable across queries: one threshold keeps the focused hit and drops the diluted one.
    const threshold = (focused.score + diluted.score) / 2;
    expect(index.search('PEG ratio', { minScore: threshold })).toHaveLength(1);
    expect(index.search('PEG ratio of dividend aristocrats', { minScore: threshold })).toEqual([]);
  });

  it('finds nothing for an empty query, stop words only, or words it never saw', () => {
    expect(index.search('')).toEqual([]);
    expect(index.search('   ?! ')).toEqual([]);
    expect(index.search('what is it that you would have been doing')).toEqual([]);
    expect(index.search('zebra xylophone')).toEqual([]);
  });

  it('has nothing to search without documents or with empty ones', () => {
    expect(KnowledgeIndex.fromDocuments([]).search('PEG ratio')).toEqual([]);
    const blank = KnowledgeIndex.fromDocuments([{ source: 'blank.txt', text: '\n\nPage 1\n\n' }]);
    expect(blank.size).toBe(0);
    expect(blank.search('page')).toEqual([]);
  });

  it('indexes one turn of attached files, each chunk named by its file and numbered within it', () => {
    const files = KnowledgeIndex.fromDocuments([
      { source: 'notes.md', text: 'Quarterly revenue grew nine percent.\n\nHeadcount stayed flat.' },
      {
        source: 'plan.txt',
        text: `${'Filler words about nothing much. '.repeat(20)}\n\nThe launch date is 3 June.`,
      },
    ]);
    // The 660 characters of filler take chunks 0 and 1 of plan.txt.
    expect(files.search('launch date')[0]).toMatchObject({
      source: 'plan.txt',
      chunk: 2,
      excerpt: 'The launch date is 3 June.',
    });
    expect(files.search('quarterly revenue')[0]).toMatchObject({ source: 'notes.md', chunk: 0 });
  });

  it('folds accents and case, and matches words of any script', () => {
    const unicode = KnowledgeIndex.fromDocuments([
      { source: 'fr.txt', text: 'Le café crème coûte cher à Paris.' },
      { source: 'ja.txt', text: '日本 株式市場 の 概要' },
      { source: 'emoji.txt', text: 'Rocket 🚀 to the moon 🌕' },
    ]);
    expect(unicode.search('CAFE creme')[0]?.source).toBe('fr.txt');
    expect(unicode.search('café')[0]?.source).toBe('fr.txt');
    expect(unicode.search('株式市場')[0]?.source).toBe('ja.txt');
    expect(unicode.search('🚀🌕')).toEqual([]);
    expect(unicode.search('rocket')[0]?.source).toBe('emoji.txt');
  });

  it('indexes a 1 MB document and finds the one passage about a rare subject', () => {
    const vocabulary = ['market', 'volume', 'price', 'trend', 'sector', 'index', 'bond', 'yield', 'equity'];
    const sentences: string[] = [];
    let length = 0;
    let seed = 7;
    while (length < 1_048_576) {
      const words = Array.from({ length: 12 }, () => {
        seed = (seed * 48271) % 2147483647;
        return vocabulary[seed % vocabulary.length];
      });
      sentences.push(`${words.join(' ')}.`, sentences.length % 50 === 49 ? '\n\n' : ' ');
      length += sentences.at(-2)!.length + 1;
    }
    sentences.splice(sentences.length / 2, 0, 'The zanzibar copper covenant expires in March. ');
    const text = sentences.join('');
    expect(text.length).toBeGreaterThanOrEqual(1_048_576);
    const big = KnowledgeIndex.fromDocuments([{ source: 'big.txt', text }]);
    expect(big.size).toBeGreaterThan(2000);
    const hits = big.search('when does the zanzibar covenant expire');
    expect(hits[0]!.excerpt).toContain('zanzibar copper covenant');
    expect(hits[0]!.excerpt.length).toBeLessThanOrEqual(500);
    expect(big.search('bond yield')).toHaveLength(5);
  });
});
