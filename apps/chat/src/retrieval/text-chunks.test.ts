import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chunkText, cleanText } from './text-chunks.js';

const knowledgeBase = readFileSync(
  new URL('../../config/knowledge/lead/knowledge_base.txt', import.meta.url),
  'utf8',
);

describe('cleanText', () => {
  it('drops page furniture, tidies spaces and keeps at most one blank line', () => {
    const raw = [
      '  First\tline   with  spaces  ',
      'Page 12',
      '- 13 -',
      '   42   ',
      'Chapter 3 keeps its number',
      '',
      '',
      '',
      '',
      'PAGE 7',
      'Second paragraph.\r',
      'Page seven stays: it is text.',
    ].join('\n');
    expect(cleanText(raw)).toBe(
      'First line with spaces\nChapter 3 keeps its number\n\nSecond paragraph.\nPage seven stays: it is text.',
    );
  });

  it('leaves nothing of a text that is only page numbers and blanks', () => {
    expect(cleanText('\n\n1\n- 2 -\nPage 3\n\t\n')).toBe('');
  });
});

describe('chunkText', () => {
  it('makes one chunk per paragraph of the A10 knowledge base, numbered from 0', () => {
    const paragraphs = knowledgeBase.trim().split('\n\n');
    const chunks = chunkText(knowledgeBase);
    expect(paragraphs).toHaveLength(10);
    expect(chunks.map((chunk) => chunk.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(chunks.map((chunk) => chunk.text)).toEqual(paragraphs);
  });

  it('splits a long paragraph at sentence ends into overlapping chunks of at most 500 characters', () => {
    const sentences = Array.from(
      { length: 40 },
      (_, i) => `Sentence number ${i} talks about markets and risk in a few more words.`,
    );
    const chunks = chunkText(sentences.join(' '));
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(500);
      expect(chunk.text.endsWith('.')).toBe(true);
      expect(chunk.text.startsWith('Sentence number')).toBe(true);
    }
    for (const sentence of sentences)
      expect(chunks.some((chunk) => chunk.text.includes(sentence))).toBe(true);
    for (let i = 1; i < chunks.length; i += 1) {
      const firstSentence = chunks[i]!.text.slice(0, chunks[i]!.text.indexOf('.') + 1);
      // The next chunk repeats the end of the previous one, but never more than 100 characters of it.
      expect(chunks[i - 1]!.text.endsWith(firstSentence)).toBe(true);
      expect(firstSentence.length).toBeLessThanOrEqual(100);
    }
  });

  it('cuts a text without any separator into 500-character pieces overlapping by 100', () => {
    const text = Array.from({ length: 2000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const chunks = chunkText(text);
    expect(chunks.map((chunk) => chunk.text.length)).toEqual([500, 500, 500, 500, 400]);
    for (let i = 1; i < chunks.length; i += 1) {
      expect(chunks[i]!.text.slice(0, 100)).toBe(chunks[i - 1]!.text.slice(-100));
    }
    expect(
      chunks[0]!.text +
        chunks
          .slice(1)
          .map((chunk) => chunk.text.slice(100))
          .join(''),
    ).toBe(text);
  });

  it('splits an over-long line inside a paragraph on the finer separators only', () => {
    const longLine = `${'word '.repeat(150).trim()}.`;
    const chunks = chunkText(`Short intro.\n\n${longLine}\n\nShort outro.`);
    expect(chunks[0]!.text).toBe('Short intro.');
    expect(chunks.at(-1)!.text).toBe('Short outro.');
    expect(chunks.slice(1, -1).every((chunk) => /^word( word)*\.?$/.test(chunk.text))).toBe(true);
  });

  it('has no chunks for an empty text and refuses impossible sizes', () => {
    expect(chunkText('')).toEqual([]);
    expect(chunkText(' \n\n\t ')).toEqual([]);
    expect(() => chunkText('text', { chunkSize: 100, chunkOverlap: 100 })).toThrow(RangeError);
    expect(() => chunkText('text', { chunkSize: 0 })).toThrow(RangeError);
  });
});
