import type { ChatMessage, DataCollected } from '@switchboard/contracts/chat';
import type { LeadData, SessionData, SessionStatus, SessionSummary } from '@switchboard/contracts/chat-api';
import type { LeadState } from '@switchboard/stores/leads';
import type { SessionRecord } from '@switchboard/stores/sessions';
import type { ChatDataStores } from './chat-data-stores.js';
import { maskEmail } from './email-mask.js';

/** A session with what the other stores know about it, read once and shaped for each product. */
export interface SessionFacts {
  record: SessionRecord;
  lead: LeadState | null;
  messageCount: number;
  lastMessage: ChatMessage | null;
}

export async function sessionFacts(
  stores: Pick<ChatDataStores, 'history' | 'leads'>,
  record: SessionRecord,
): Promise<SessionFacts> {
  const [lead, messageCount, lastMessage] = await Promise.all([
    stores.leads.get(record.id),
    stores.history.count(record.id),
    stores.history.last(record.id),
  ]);
  return { record, lead, messageCount, lastMessage };
}

export function statusOf({ record, lead }: Pick<SessionFacts, 'record' | 'lead'>): SessionStatus {
  if (lead?.status === 'complete') return 'complete';
  return record.status === 'stopped' ? 'stopped' : 'active';
}

export function leadDataOf(lead: LeadState | null, masked: boolean): LeadData {
  const email = lead?.email ?? null;
  return {
    name: lead?.name ?? null,
    email: email !== null && masked ? maskEmail(email) : email,
    income: lead?.income?.raw ?? null,
  };
}

export function dataCollectedOf(lead: LeadState | null): DataCollected {
  return { name: Boolean(lead?.name), email: Boolean(lead?.email), income: Boolean(lead?.income) };
}

/** 000's list entry (emails masked: it is a list). */
export function sessionSummary(facts: SessionFacts): SessionSummary {
  const { record, lastMessage } = facts;
  return {
    session_id: record.id,
    created_at: record.created_at,
    message_count: facts.messageCount,
    last_message: lastMessage?.timestamp ?? null,
    assistant: record.assistant,
    status: statusOf(facts),
    last_activity_at: record.last_active_at,
    expires_at: record.expires_at,
    data: leadDataOf(facts.lead, true),
  };
}

/**
 * 001's `SessionData`. `messages` fills `conversation_history` (001 always
 * answered `[]`: its column was never written); lists pass none and mask.
 */
export function sessionData(facts: SessionFacts, messages: ChatMessage[] | null): SessionData {
  const { record, lead } = facts;
  const collected = dataCollectedOf(lead);
  return {
    session_id: record.id,
    timestamp: record.created_at,
    status: statusOf(facts),
    data: leadDataOf(lead, messages === null),
    conversation_history: (messages ?? [])
      .filter((message) => message.role !== 'system')
      .map(({ role, content, timestamp }) => ({ role, content, timestamp })),
    created_at: record.created_at,
    updated_at: latest(record.last_active_at, lead?.updated_at),
    completed_at: lead?.completed_at ?? null,
    assistant: record.assistant,
    data_collected: collected,
    is_complete: lead?.status === 'complete',
    message_count: facts.messageCount,
    expires_at: record.expires_at,
  };
}

function latest(a: string, b: string | undefined): string {
  return b !== undefined && Date.parse(b) > Date.parse(a) ? b : a;
}
