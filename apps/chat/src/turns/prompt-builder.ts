import type { AttachedFile, ChatMessage, Citation, HistoryEntry } from '@switchboard/contracts/chat';
import type { Assistant } from '../assistants/assistant-catalog.js';
import type { Grounding, LlmMessage } from '../llm/llm-port.js';
import { KnowledgeIndex } from '../retrieval/knowledge-index.js';

export interface PromptInput {
  assistant: Assistant;
  /** Earlier conversation, oldest first (stored messages or 002's client-held history). */
  history: readonly (ChatMessage | HistoryEntry)[];
  message: string;
  attachedFiles?: readonly AttachedFile[];
  slots?: Grounding['slots'];
  facts?: string[];
}

export interface Prompt {
  messages: LlmMessage[];
  grounding: Grounding;
  citations: Citation[];
}

/** 002's prompt for attached files (B3): each file labelled, then the question or its default. */
export function withAttachedFiles(message: string, files: readonly AttachedFile[]): string {
  if (files.length === 0) return message;
  const parts = files.map((file, i) => `[Attached file ${i + 1}: ${file.name}]\n\n${file.content}`);
  const question =
    message.trim() !== ''
      ? message
      : files.length > 1
        ? 'Please compare and analyze the attached files.'
        : 'Please analyze the attached file.';
  return [...parts, question].join('\n\n---\n\n');
}

const slotQuestions: Record<string, string> = {
  name: 'their name',
  email: 'their email address',
  income: 'their rough annual income',
};

function contextBlock(passages: Citation[], slots: Grounding['slots'], facts: string[] | undefined): string {
  const lines: string[] = [];
  if (passages.length > 0) {
    lines.push('Relevant knowledge (use it when it helps; cite the source name):');
    passages.forEach((passage, i) => {
      lines.push(
        `[Context ${i + 1} - ${passage.source} #${passage.chunk}, score ${passage.score.toFixed(3)}]:`,
      );
      lines.push(passage.excerpt);
    });
  }
  if (facts !== undefined) {
    lines.push('Live facts (the only facts about current operations you may state):');
    lines.push(...(facts.length > 0 ? facts.map((fact) => `- ${fact}`) : ['- none available']));
  }
  if (slots !== undefined) {
    lines.push(
      slots.missing.length > 0
        ? `Still unknown: ${slots.missing.map((slot) => slotQuestions[slot] ?? slot).join(', ')}. Work one question in if it is natural; never push.`
        : 'Everything you wanted to learn is known: you may start wrapping up with a final tip.',
    );
  }
  return lines.join('\n');
}

/**
 * A turn's prompt (leadbot A6's order): the assistant's system prompt, the
 * last `history_limit` messages, a second system message with the retrieved
 * knowledge, live facts and what is still to learn, then the user's message.
 * Retrieval runs over the assistant's knowledge and this turn's files.
 */
export function buildPrompt(input: PromptInput): Prompt {
  const { assistant } = input;
  const profile = assistant.profile;
  const files = input.attachedFiles ?? [];
  const userMessage = withAttachedFiles(input.message, files);
  const query = input.message.trim() !== '' ? input.message : files.map((file) => file.name).join(' ');
  const topK = profile.retrieval.top_k;
  const fileIndex =
    files.length > 0
      ? KnowledgeIndex.fromDocuments(files.map((file) => ({ source: file.name, text: file.content })))
      : null;
  const passages = [
    ...assistant.retrieve(query),
    ...(fileIndex ? fileIndex.search(query, { topK, minScore: profile.retrieval.min_score }) : []),
  ]
    .sort((a, b) => b.score - a.score)
    .slice(0, topK);

  const history = input.history
    .filter((entry) => entry.role === 'user' || entry.role === 'assistant')
    .slice(-profile.history_limit)
    .map((entry) => ({ role: entry.role as 'user' | 'assistant', content: entry.content }));
  const context = contextBlock(passages, input.slots, input.facts);
  const messages: LlmMessage[] = [
    { role: 'system', content: profile.system_prompt },
    ...history,
    ...(context === '' ? [] : [{ role: 'system' as const, content: context }]),
    { role: 'user', content: userMessage },
  ];
  const grounding: Grounding = {
    assistant: profile.name,
    userMessage,
    passages,
    ...(input.slots === undefined ? {} : { slots: input.slots }),
    ...(input.facts === undefined ? {} : { facts: input.facts }),
    ...(files.length > 0 ? { attachedFiles: files.map((file) => file.name) } : {}),
    askHumanWhen: profile.offline.ask_human_when,
    offlineVoice: {
      noKnowledge: profile.offline.no_knowledge,
      aiDisclosure: profile.offline.ai_disclosure,
      ...(profile.offline.slot_questions ? { slotQuestions: profile.offline.slot_questions } : {}),
      ...(profile.offline.wrap_up ? { wrapUp: profile.offline.wrap_up } : {}),
    },
  };
  return { messages, grounding, citations: passages };
}
