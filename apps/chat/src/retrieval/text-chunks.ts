/**
 * Turning a knowledge text into retrievable chunks, as the lead bot's indexer
 * did (spec A8): clean the text, then split it recursively on ever finer
 * separators into chunks of at most 500 characters that overlap by 100.
 */

export interface TextChunk {
  /** Place of the chunk in its document, from 0. */
  index: number;
  text: string;
}

export interface ChunkOptions {
  /** Longest chunk, in characters. */
  chunkSize?: number;
  /** Characters of the previous chunk's end repeated at the start of the next, at most. */
  chunkOverlap?: number;
}

/** Paragraphs, lines, sentences, words, and finally single characters. */
export const chunkSeparators = ['\n\n', '\n', '. ', ' ', ''] as const;
export const defaultChunkSize = 500;
export const defaultChunkOverlap = 100;

/** Page furniture of converted books: `Page 12`, `- 12 -`, a bare `12`. */
const pageNumberLine = /^(?:page\s+\d+|-\s*\d+\s*-|\d+)$/i;

/**
 * Drops page-number lines, turns tabs into spaces, collapses runs of spaces,
 * trims every line and keeps at most one blank line between paragraphs.
 */
export function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').trim())
    .filter((line) => !pageNumberLine.test(line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Cleans `text` and splits it into chunks; an empty text has none. */
export function chunkText(text: string, options: ChunkOptions = {}): TextChunk[] {
  const chunkSize = options.chunkSize ?? defaultChunkSize;
  const chunkOverlap = options.chunkOverlap ?? defaultChunkOverlap;
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new RangeError('chunkSize must be a positive integer');
  if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0 || chunkOverlap >= chunkSize)
    throw new RangeError('chunkOverlap must be an integer from 0 to below chunkSize');
  const cleaned = cleanText(text);
  if (cleaned === '') return [];
  return splitRecursively(cleaned, chunkSeparators, chunkSize, chunkOverlap).map((chunk, index) => ({
    index,
    text: chunk,
  }));
}

/**
 * Splits on the coarsest separator present, merges the small pieces back up to
 * the chunk size, and splits any piece still too long with the next separator.
 */
function splitRecursively(
  text: string,
  separators: readonly string[],
  chunkSize: number,
  chunkOverlap: number,
): string[] {
  const at = separators.findIndex((separator) => separator === '' || text.includes(separator));
  const separator = separators[at] ?? '';
  const finer = separators.slice(at + 1);
  const chunks: string[] = [];
  let small: string[] = [];
  for (const piece of splitKeepingSeparator(text, separator)) {
    if (piece.length <= chunkSize) {
      small.push(piece);
      continue;
    }
    if (small.length > 0) chunks.push(...mergePieces(small, chunkSize, chunkOverlap));
    small = [];
    if (finer.length === 0) chunks.push(piece);
    else chunks.push(...splitRecursively(piece, finer, chunkSize, chunkOverlap));
  }
  if (small.length > 0) chunks.push(...mergePieces(small, chunkSize, chunkOverlap));
  return chunks;
}

/**
 * Keeps each separator at the end of the piece before it, so that a sentence
 * keeps its full stop and joining the pieces gives back the text.
 */
function splitKeepingSeparator(text: string, separator: string): string[] {
  if (separator === '') return Array.from(text);
  const pieces: string[] = [];
  let start = 0;
  for (let found = text.indexOf(separator); found !== -1; found = text.indexOf(separator, start)) {
    pieces.push(text.slice(start, found + separator.length));
    start = found + separator.length;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

/**
 * Packs consecutive pieces into chunks of at most `chunkSize` characters; a new
 * chunk starts with the last pieces of the previous one, up to `chunkOverlap`
 * characters of them. Each piece enters and leaves the window once.
 */
function mergePieces(pieces: readonly string[], chunkSize: number, chunkOverlap: number): string[] {
  const chunks: string[] = [];
  const window: string[] = [];
  let windowLength = 0;
  let first = 0;
  const emit = () => {
    const chunk = window.slice(first).join('').trim();
    if (chunk !== '') chunks.push(chunk);
  };
  for (const piece of pieces) {
    if (windowLength + piece.length > chunkSize && window.length > first) {
      emit();
      while (
        window.length > first &&
        (windowLength > chunkOverlap || windowLength + piece.length > chunkSize)
      ) {
        windowLength -= window[first]!.length;
        first += 1;
      }
    }
    window.push(piece);
    windowLength += piece.length;
  }
  emit();
  return chunks;
}
