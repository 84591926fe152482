import type { Citation } from '@switchboard/contracts/chat';
import MiniSearch from 'minisearch';
import { englishStopWords } from './english-stop-words.js';
import { type ChunkOptions, chunkText } from './text-chunks.js';

export interface KnowledgeDocument {
  /** Where the text came from: a knowledge file's path or an attached file's name. */
  source: string;
  text: string;
}

export type KnowledgeIndexOptions = ChunkOptions;

export interface KnowledgeSearchOptions {
  /** Most passages returned [5, spec A8]. */
  topK?: number;
  /** Passages scoring below this (0–1, see `search`) are left out [0]. */
  minScore?: number;
}

interface IndexedChunk {
  id: number;
  source: string;
  chunk: number;
  text: string;
}

/** MiniSearch's BM25+ constants, spelled out because the score bound in `search` depends on them. */
const bm25 = { k: 1.2, b: 0.7, d: 0.5 };

/**
 * Words of a text as the index compares them: accents removed, lower case,
 * split on anything that is not a letter or digit.
 */
function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Drops stop words and lone letters, and folds plurals so that "puts" finds "put". */
function processTerm(word: string): string | null {
  if (englishStopWords.has(word)) return null;
  if (word.length === 1 && !/\p{N}/u.test(word)) return null;
  return stemPlural(word);
}

/** Harman's S-stemmer: the plural endings only, so it never merges unrelated words. */
function stemPlural(word: string): string {
  if (word.length < 4) return word;
  if (word.endsWith('ies') && !word.endsWith('eies') && !word.endsWith('aies'))
    return `${word.slice(0, -3)}y`;
  if (word.endsWith('es') && !/[aeo]es$/.test(word)) return word.slice(0, -1);
  if (word.endsWith('s') && !/[us]s$/.test(word)) return word.slice(0, -1);
  return word;
}

/** A query's distinct terms, analysed like the indexed text. */
function queryTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const word of tokenize(query)) {
    const term = processTerm(word);
    if (term !== null) terms.add(term);
  }
  return [...terms];
}

/** The already-analysed terms of `queryTerms`, passed through MiniSearch untouched. */
const analysedQuery = { tokenize: (text: string) => text.split(' '), processTerm: (term: string) => term };

/**
 * BM25 keyword retrieval over chunked texts (spec A8's retrieval, without an
 * embedding service): the lead bot's knowledge base, the dispatch notes, or
 * the files attached to one turn. Building one is cheap enough to do per turn.
 */
export class KnowledgeIndex {
  private constructor(
    private readonly engine: MiniSearch<IndexedChunk>,
    private readonly chunks: readonly IndexedChunk[],
  ) {}

  static fromDocuments(
    documents: readonly KnowledgeDocument[],
    options: KnowledgeIndexOptions = {},
  ): KnowledgeIndex {
    const chunks: IndexedChunk[] = [];
    for (const document of documents) {
      for (const { index, text } of chunkText(document.text, options)) {
        chunks.push({ id: chunks.length, source: document.source, chunk: index, text });
      }
    }
    // Prefix and fuzzy matching stay off: they would blur exact terms such
    // as "PEG" and break the score bound that `search` normalises by.
    const engine = new MiniSearch<IndexedChunk>({
      fields: ['text'],
      tokenize,
      processTerm,
      searchOptions: { combineWith: 'OR', prefix: false, fuzzy: false, bm25 },
    });
    engine.addAll(chunks);
    return new KnowledgeIndex(engine, chunks);
  }

  /** Number of chunks indexed. */
  get size(): number {
    return this.chunks.length;
  }

  /**
   * The passages that best match `query`, best first. The score is MiniSearch's
   * BM25+ score divided by the most any passage could score for this query
   * (every term of it, each with unbounded frequency), so it lies in 0–1
   * whatever the query's length and one `minScore` suits every query: a
   * passage that has only some of the query's words, or only common ones,
   * scores low. Words the index never saw still count against the score.
   */
  search(query: string, options: KnowledgeSearchOptions = {}): Citation[] {
    const topK = options.topK ?? 5;
    const minScore = options.minScore ?? 0;
    const terms = queryTerms(query);
    if (terms.length === 0 || this.chunks.length === 0 || topK < 1) return [];

    const results = this.engine.search(terms.join(' '), analysedQuery);
    // With exact matching only, a term's document frequency is the number of
    // results that matched it: every chunk holding any query term is a result.
    const documentFrequency = new Map<string, number>();
    for (const result of results) {
      for (const term of result.queryTerms)
        documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
    const total = this.chunks.length;
    const bestPerTerm = (term: string) => {
      const frequency = documentFrequency.get(term) ?? 0;
      return Math.log(1 + (total - frequency + 0.5) / (frequency + 0.5)) * (bm25.d + bm25.k + 1);
    };
    // MiniSearch multiplies a result's score by the number of query terms it matched.
    const bound = terms.length * terms.reduce((sum, term) => sum + bestPerTerm(term), 0);

    return results
      .map((result) => ({
        chunk: this.chunks[result.id as number]!,
        score: Math.min(1, result.score / bound),
      }))
      .filter(({ score }) => score >= minScore)
      .sort((a, b) => b.score - a.score || a.chunk.id - b.chunk.id)
      .slice(0, topK)
      .map(({ chunk, score }) => ({
        source: chunk.source,
        chunk: chunk.chunk,
        score: Math.round(score * 10_000) / 10_000,
        excerpt: chunk.text,
      }));
  }
}
