import { createHash } from 'node:crypto';
import type { LlmInfo, TokenUsage } from '@switchboard/contracts/chat';
import {
  type Grounding,
  LlmError,
  type LlmEvent,
  type LlmMessage,
  type LlmProvider,
  type LlmRequest,
} from './llm-port.js';

/** The agent's tool (defined with the agent loop in `agent/human-feedback.ts`). */
const humanFeedbackTool = 'request_human_feedback';

const offlineNote =
  'Offline mode: no language model is connected. Replies are put together from the knowledge base, ' +
  'attached files and live records by fixed rules. Set OPENAI_API_KEY (and OPENAI_BASE_URL for a ' +
  'compatible server) to use a model.';

/** The first line of a conversation's first reply, so nobody mistakes the rules for a model. */
const offlineIntro = "(Offline mode: I'm not a language model — I answer only from what I can look up here.)";

const defaultNoKnowledge = "I couldn't find anything about that in what I can look up.";
const defaultDisclosure = "I'm an automated assistant running offline, not a person.";

/** "Are you a bot?", "am I talking to a real person?": asked sincerely, never dodged (leadbot A11.9). */
const identityQuestion =
  /\b(?:are|r)\s+(?:you|u)\s+(?:an?\s+)?(?:real\s+)?(?:bot|ai|robot|human|person|machine|chatbot|computer)\b|\b(?:am\s+i|i'?m)\s+(?:talking|speaking|chatting)\s+(?:to|with)\s+(?:an?\s+)?(?:real\s+)?(?:bot|ai|robot|human|person|machine|chatbot)\b/i;

const defaultSlotQuestions: Record<string, string> = {
  name: 'Before we go on — who am I talking to?',
  email: "Want my next market note? What's your email?",
  income: "Roughly what's your annual income — 50k, 100k, 200k+?",
};

/** Words too common to tie a question to a fact. */
const stopWords = new Set(
  'the and for are was were what which who whom whose when where why how this that these those with from into about any all can could would should will have has had does did not you your our their there here they them its it’s is be been being of on in at to a an or as by me my we us do'.split(
    ' ',
  ),
);

/** A crude stem so "events" finds "event": enough for matching a question to a record line. */
const stem = (word: string) => (word.length > 3 && word.endsWith('s') ? word.slice(0, -1) : word);

const wordsOf = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** Whether `phrase` occurs in `text` as whole words, ignoring case. */
function hasPhrase(text: string, phrase: string): boolean {
  const needle = wordsOf(phrase);
  if (needle.length === 0) return false;
  const haystack = wordsOf(text);
  return haystack.some((_, start) => needle.every((word, offset) => haystack[start + offset] === word));
}

/** One line, at most `max` characters, cut at a word. */
function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max);
  return `${cut.slice(0, cut.lastIndexOf(' ') > max / 2 ? cut.lastIndexOf(' ') : max).trimEnd()}…`;
}

/**
 * The sentences of a passage that speak to the question (most shared words
 * first, told in the passage's order), up to about `max` characters; the
 * opening sentences when none shares a word.
 */
function summary(excerpt: string, question: string, max = 280): string {
  const sentences =
    excerpt
      .replace(/\s+/g, ' ')
      .trim()
      .match(/[^.!?]+[.!?]*\s*/g) ?? [];
  const asked = new Set(
    wordsOf(question)
      .filter((word) => word.length > 1 && !stopWords.has(word))
      .map(stem),
  );
  const overlap = (sentence: string) => wordsOf(sentence).filter((word) => asked.has(stem(word))).length;
  const ranked = sentences
    .map((sentence, index) => ({ sentence, index, score: overlap(sentence) }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
  const chosen: typeof ranked = [];
  let length = 0;
  for (const entry of ranked) {
    if (chosen.length > 0 && (length + entry.sentence.length > max || entry.score === 0)) break;
    chosen.push(entry);
    length += entry.sentence.length;
  }
  return clip(
    chosen
      .sort((a, b) => a.index - b.index)
      .map((entry) => entry.sentence)
      .join(''),
    max,
  );
}

/** About four characters a token, at least one: what the offline "model" reports as usage. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function messageText(message: LlmMessage): string {
  if (message.role === 'assistant' && message.tool_calls)
    return message.content + message.tool_calls.map((call) => call.name + call.arguments).join('');
  return message.content;
}

/** Pieces of a few words each (with their spaces), so the reply streams like a model's. */
function pieces(text: string, wordsPerPiece = 5): string[] {
  const tokens = text.match(/\S+\s*|\s+/g) ?? [];
  const result: string[] = [];
  for (let index = 0; index < tokens.length; index += wordsPerPiece)
    result.push(tokens.slice(index, index + wordsPerPiece).join(''));
  return result;
}

type Outcome =
  | { kind: 'approved' | 'rejected' | 'expired' | 'cancelled' }
  | { kind: 'answer'; text: string }
  /** Nobody could be asked (e.g. `unavailable`, `invalid_call`), with the reason given. */
  | { kind: 'not_asked'; reason: string };

function outcomeOfWord(word: string): Outcome | undefined {
  const normalized = word.trim().toLowerCase();
  if (['approve', 'approved', 'yes', 'ok', 'accept', 'accepted'].includes(normalized))
    return { kind: 'approved' };
  if (['reject', 'rejected', 'no', 'deny', 'denied', 'decline', 'declined'].includes(normalized))
    return { kind: 'rejected' };
  if (['expired', 'timeout', 'timed_out', 'no_answer'].includes(normalized)) return { kind: 'expired' };
  if (['cancelled', 'canceled'].includes(normalized)) return { kind: 'cancelled' };
  return undefined;
}

/**
 * What the human said, from the tool result: the agent's JSON (`outcomeToolResult`
 * in agent/human-feedback.ts: `{status, answer?, decision?, reason?}`) or plain text.
 */
function readOutcome(content: string): Outcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    parsed = content;
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const record = parsed as Record<string, unknown>;
    if (typeof record.status === 'string' && record.status !== 'answered') {
      const status = outcomeOfWord(record.status);
      if (status?.kind === 'expired' || status?.kind === 'cancelled') return status;
      return { kind: 'not_asked', reason: typeof record.reason === 'string' ? record.reason : record.status };
    }
    const decision = typeof record.decision === 'string' ? outcomeOfWord(record.decision) : undefined;
    if (decision) return decision;
    if (typeof record.answer === 'string')
      return outcomeOfWord(record.answer) ?? { kind: 'answer', text: record.answer };
    return { kind: 'answer', text: content };
  }
  const text = String(parsed);
  return outcomeOfWord(text) ?? { kind: 'answer', text };
}

function lastIndexOfRole(messages: LlmMessage[], role: LlmMessage['role']): number {
  for (let index = messages.length - 1; index >= 0; index -= 1)
    if (messages[index]!.role === role) return index;
  return -1;
}

/** The reply once a human answered the agent's question. */
function afterFeedback(messages: LlmMessage[], toolResult: string): string {
  const userIndex = lastIndexOfRole(messages, 'user');
  const request = userIndex >= 0 ? clip(messages[userIndex]!.content, 200) : 'your request';
  const outcome = readOutcome(toolResult);
  switch (outcome.kind) {
    case 'approved':
      return `A person approved it, so I'm going ahead with: "${request}".`;
    case 'rejected':
      return `A person rejected it, so I will not do it: "${request}".`;
    case 'expired':
      return `I did not hear back from a person in time, so I will not do it: "${request}".`;
    case 'cancelled':
      return `The question to a person was cancelled, so I will not do it: "${request}".`;
    case 'answer':
      return `A person answered: "${clip(outcome.text, 300)}". I'll go with that for: "${request}".`;
    case 'not_asked':
      return `I could not ask a person (${clip(outcome.reason, 200)}), so I will not do it: "${request}".`;
  }
}

/**
 * The live facts a question touches, most relevant first. A word that is in
 * every fact ("event") counts for little, a rare one ("20417") for much, and
 * facts well behind the best (under 60 % of its score) are left out.
 */
function relevantFacts(facts: string[], question: string): string[] {
  const asked = new Set(
    wordsOf(question)
      .filter((word) => word.length > 1 && !stopWords.has(word))
      .map(stem),
  );
  const factWords = facts.map((fact) => new Set(wordsOf(fact).map(stem)));
  const weight = (word: string) => {
    const frequency = factWords.filter((words) => words.has(word)).length;
    return frequency === 0 ? 0 : Math.log((facts.length + 1) / frequency);
  };
  const scored = facts.map((fact, index) => ({
    fact,
    index,
    score: [...asked].reduce((sum, word) => sum + (factWords[index]!.has(word) ? weight(word) : 0), 0),
  }));
  const best = Math.max(0, ...scored.map((entry) => entry.score));
  if (best === 0) return [];
  return scored
    .filter((entry) => entry.score >= best * 0.6)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, 8)
    .map((entry) => entry.fact);
}

function slotSection(grounding: Grounding, slots: NonNullable<Grounding['slots']>): string {
  const name = slots.collected.name;
  const next = slots.missing[0];
  const voice = grounding.offlineVoice;
  if (next === undefined) {
    if (voice?.wrapUp) return name ? `Thanks, ${name}. ${voice.wrapUp}` : voice.wrapUp;
    const email = slots.collected.email;
    return `Thanks${name ? `, ${name}` : ''} — I have everything I need${email ? ` and will follow up at ${email}` : ''}.`;
  }
  const question =
    voice?.slotQuestions?.[next] ?? defaultSlotQuestions[next] ?? `Could you tell me your ${next}?`;
  return name && next !== 'name' ? `Thanks, ${name}. ${question}` : question;
}

/** The reply to an ordinary turn: grounded in passages, facts, files and slots only. */
function groundedReply(request: LlmRequest): string {
  const grounding = request.grounding;
  const sections: string[] = [];
  if (!request.messages.some((message) => message.role === 'assistant')) sections.push(offlineIntro);
  const disclosing = identityQuestion.test(grounding.userMessage);
  if (disclosing) sections.push(grounding.offlineVoice?.aiDisclosure ?? defaultDisclosure);
  if (grounding.attachedFiles?.length) sections.push(`You attached: ${grounding.attachedFiles.join(', ')}.`);
  const facts = grounding.facts ? relevantFacts(grounding.facts, grounding.userMessage) : [];
  if (facts.length > 0)
    sections.push(['From the live records:', ...facts.map((fact) => `- ${fact}`)].join('\n'));
  else if (grounding.facts?.length === 0)
    sections.push('I have no live records (events or contacts) to go on yet.');
  const passages = grounding.passages.slice(0, 2);
  for (const passage of passages)
    sections.push(`From ${passage.source}: ${summary(passage.excerpt, grounding.userMessage)}`);
  if (passages.length === 0 && facts.length === 0 && !disclosing)
    sections.push(grounding.offlineVoice?.noKnowledge ?? defaultNoKnowledge);
  if (grounding.slots) sections.push(slotSection(grounding, grounding.slots));
  return sections.join('\n\n');
}

/** The agent's question for a person, when the message names an action that needs one. */
function feedbackCall(request: LlmRequest): { id: string; name: string; arguments: string } | undefined {
  const grounding = request.grounding;
  if (!request.tools?.some((tool) => tool.name === humanFeedbackTool)) return undefined;
  // Only one question per turn: a tool result after the user's message means it was asked already.
  if (lastIndexOfRole(request.messages, 'tool') > lastIndexOfRole(request.messages, 'user')) return undefined;
  const trigger = (grounding.askHumanWhen ?? []).find((word) => hasPhrase(grounding.userMessage, word));
  if (trigger === undefined) return undefined;
  const question = `May I go ahead with this request? "${clip(grounding.userMessage, 300)}"`;
  const id = `call_offline_${createHash('sha256').update(grounding.userMessage).digest('hex').slice(0, 16)}`;
  return {
    id,
    name: humanFeedbackTool,
    arguments: JSON.stringify({ question, options: ['approve', 'reject'] }),
  };
}

/**
 * The embedded provider used when no key is set: no model, no network, no
 * clock, no randomness — the same request always gives the same reply. It
 * answers from `request.grounding` alone and says it is offline.
 */
export function createOfflineProvider(): LlmProvider {
  return {
    async info(): Promise<LlmInfo> {
      return {
        provider: 'offline',
        model: 'offline',
        base_url_host: null,
        configured: true,
        credential_source: 'none',
        offline: true,
        note: offlineNote,
      };
    },

    async *stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
      const checkCancelled = () => {
        if (request.signal?.aborted) throw new LlmError('upstream', 'The generation was cancelled.');
      };
      checkCancelled();
      const prompt = estimateTokens(request.messages.map(messageText).join('\n'));
      const usageFor = (completionText: string): TokenUsage => {
        const completion = estimateTokens(completionText);
        return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
      };

      const call = feedbackCall(request);
      if (call) {
        yield { type: 'tool_call', call };
        yield {
          type: 'done',
          model: 'offline',
          usage: usageFor(call.name + call.arguments),
          finishReason: 'tool_calls',
        };
        return;
      }

      const last = request.messages.at(-1);
      const reply =
        last?.role === 'tool' ? afterFeedback(request.messages, last.content) : groundedReply(request);
      for (const content of pieces(reply)) {
        checkCancelled();
        yield { type: 'delta', content };
      }
      yield { type: 'done', model: 'offline', usage: usageFor(reply), finishReason: 'stop' };
    },
  };
}
