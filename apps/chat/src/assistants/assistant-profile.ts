import { AssistantNameSchema } from '@switchboard/contracts/chat';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { TLocalizedValidationError } from 'typebox/error';

/** Tools an assistant may offer the model; their definitions live with the agent loop. */
export const assistantToolNames = ['request_human_feedback'] as const;
/** Facts the lead assistant collects during the chat (spec A6). */
export const slotNames = ['name', 'email', 'income'] as const;
export type SlotName = (typeof slotNames)[number];

const Text = Type.String({ minLength: 1 });

/**
 * What the offline provider (no model) needs to answer in the assistant's
 * voice: it answers from retrieval, live facts and slot state, and these are
 * its fixed sentences.
 */
const OfflineBehaviour = Type.Object(
  {
    /** Words in a user message that make the offline agent ask a human before acting. */
    ask_human_when: Type.Array(Text, { uniqueItems: true }),
    /** Said when neither the knowledge nor the live facts answer the message. */
    no_knowledge: Text,
    /** Said when someone sincerely asks whether they are talking to a person (spec A11.9). */
    ai_disclosure: Text,
    /** How to ask for each slot the assistant collects, in its own voice. */
    slot_questions: Type.Optional(
      Type.Object(
        { name: Type.Optional(Text), email: Type.Optional(Text), income: Type.Optional(Text) },
        { additionalProperties: false },
      ),
    ),
    /** Said once every slot is known, before the final tips. */
    wrap_up: Type.Optional(Text),
  },
  { additionalProperties: false },
);

/** One assistant, as written in `config/assistants/<name>.json`. */
export const AssistantProfileSchema = Type.Object(
  {
    name: AssistantNameSchema,
    title: Text,
    description: Text,
    system_prompt: Text,
    /** The provider's model for this assistant; absent → the configured default. */
    model: Type.Optional(Text),
    temperature: Type.Number({ minimum: 0, maximum: 2 }),
    max_tokens: Type.Integer({ minimum: 1, maximum: 32_768 }),
    /** Stored messages of history put before the user's message (the lead bot's 10). */
    history_limit: Type.Integer({ minimum: 0, maximum: 200 }),
    greetings: Type.Array(Text, { minItems: 1 }),
    /** Shown with the greeting: what is collected and why (spec A11.9). */
    privacy_notice: Type.Optional(Text),
    /** Knowledge files, relative to the config folder, e.g. `knowledge/lead/knowledge_base.txt`. */
    knowledge: Type.Array(Text, { uniqueItems: true }),
    retrieval: Type.Object(
      {
        top_k: Type.Integer({ minimum: 1, maximum: 50 }),
        /** Passages scoring below this (0–1, see KnowledgeIndex.search) are not used. */
        min_score: Type.Number({ minimum: 0, maximum: 1 }),
      },
      { additionalProperties: false },
    ),
    tools: Type.Array(Type.Enum([...assistantToolNames]), { uniqueItems: true }),
    slots: Type.Array(Type.Enum([...slotNames]), { uniqueItems: true }),
    offline: OfflineBehaviour,
  },
  { additionalProperties: false },
);
export type AssistantProfile = Static<typeof AssistantProfileSchema>;

const profileValidator = Compile(AssistantProfileSchema);

/** Every way `value` fails the profile schema, as `/path: problem` sentences; empty when it is a valid profile. */
export function profileSchemaProblems(value: unknown): string[] {
  return profileValidator
    .Errors(value)
    .filter((error) => error.keyword !== 'boolean')
    .map(describe);
}

export function isAssistantProfile(value: unknown): value is AssistantProfile {
  return profileValidator.Check(value);
}

function describe(error: TLocalizedValidationError): string {
  const where = error.instancePath || '(root)';
  const params: Record<string, unknown> = error.params;
  if (error.keyword === 'additionalProperties')
    return `${where}: unknown field(s) ${JSON.stringify(params.additionalProperties)}`;
  if (error.keyword === 'enum') return `${where}: must be one of ${JSON.stringify(params.allowedValues)}`;
  return `${where}: ${error.message}`;
}
