import type { LeadSlotName } from './lead-slots.js';

/*
 * The persona weaves its questions into banter (A6): "who am I talking to?",
 * "want my next market note? drop your email", "roughly 50k, 100k, 200k+?".
 * The question a user answers is the last one the assistant put, so sentences
 * are read from the end and the first that both asks (a question mark or a
 * request verb) and names a slot decides. A sentence asking for several slots
 * yields the one whose answer cannot be recognised on its own: income (a bare
 * "150k"), then name (a bare "Bob"); an address is recognisable anywhere.
 */

const slotMentions: ReadonlyArray<readonly [LeadSlotName, RegExp]> = [
  [
    'income',
    // "your income", "how much do you make", "50k, 100k, 200k+?" — but not "income investing" or "what do you make of …".
    /\byour\s+(?:\w+\s+){0,2}(?:income|salary|comp|compensation|earnings|pay)\b|\b(?:income|salary)\s*\?|\b(?:how\s+much|what)\s+(?:do\s+|would\s+)?you\s+(?:make|earn|pull\s+in|bring\s+(?:in|home)|take\s+home)\b(?!\s+of\b)|\$?\d+\s?k\b[^.?!]*\$?\d+\s?k\b/iu,
  ],
  [
    'name',
    /\bwho\s+(?:am\s+i|i'm|i\s+am)\s+(?:talking|speaking|chatting)\s+(?:to|with)\b|\byour\s+name\b|\bwhat\s+(?:should|do|can|shall)\s+i\s+call\s+you\b|\bwho(?:'s|\s+is)\s+this\b|\bhow\s+should\s+i\s+address\s+you\b|\bwhat\s+do\s+(?:people|your\s+friends|folks)\s+call\s+you\b|\bintroduce\s+yourself\b|\bname\s*\?/iu,
  ],
  ['email', /\be-?mail\b|\binbox\b/iu],
];
const asking =
  /\?\s*$|\b(?:drop|share|send|give|tell|leave|type|shoot|toss|let\s+me\s+know|mind\s+sharing|hit\s+me\s+with|what's|what\s+is)\b/iu;
const answerPriority: readonly LeadSlotName[] = ['income', 'name', 'email'];

/** The lead slot `assistantMessage` asks the user for, if any. */
export function slotAskedIn(assistantMessage: string): LeadSlotName | undefined {
  const sentences = assistantMessage
    .normalize('NFC')
    .replace(/[‘’]/g, "'")
    .split(/(?<=[.?!])\s+|\n+/u)
    .map((sentence) => sentence.trim())
    .filter(Boolean);
  for (const sentence of sentences.reverse()) {
    if (!asking.test(sentence)) continue;
    const mentioned = slotMentions.filter(([, pattern]) => pattern.test(sentence)).map(([slot]) => slot);
    const slot = answerPriority.find((candidate) => mentioned.includes(candidate));
    if (slot) return slot;
  }
  return undefined;
}
