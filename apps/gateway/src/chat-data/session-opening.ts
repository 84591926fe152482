import { randomInt, randomUUID } from 'node:crypto';
import type { ChatMessage } from '@switchboard/contracts/chat';
import type { AssistantCatalogStore } from '@switchboard/stores/assistant-catalog';
import type { ChatHistoryStore } from '@switchboard/stores/chat-history';
import type { NewSession, SessionRecord, SessionStore } from '@switchboard/stores/sessions';
import type { Principal } from '../auth/principal.js';

/**
 * Creates a session for whoever calls: a logged-in user owns it and may hold
 * at most `maxPerUser` active ones (SPEC §1: the 4th is the store's
 * SessionLimitError, a 409 `SB_SESSION_LIMIT` whose details name the others,
 * so a client can offer to close one). Anonymous callers own nothing and are
 * held back by the per-IP rate limit instead.
 */
export function openSession(
  sessions: SessionStore,
  maxPerUser: number,
  principal: Principal,
  input: Omit<NewSession, 'ownerId' | 'maxPerOwner'>,
  now = new Date(),
): Promise<SessionRecord | null> {
  const owned = principal.kind === 'user' ? { ownerId: principal.userId, maxPerOwner: maxPerUser } : {};
  return sessions.create({ ...input, ...owned }, now);
}

/** One of the assistant's canned opening lines, or null when the chat service has not published it. */
export async function pickGreeting(
  catalog: AssistantCatalogStore,
  assistant: string,
): Promise<{ greeting: string; privacyNotice: string | null } | null> {
  const card = await catalog.card(assistant);
  if (!card || card.greetings.length === 0) return null;
  return {
    greeting: card.greetings[randomInt(card.greetings.length)]!,
    privacyNotice: card.privacy_notice ?? null,
  };
}

/**
 * Stores the greeting as the session's turn 0 (001 never persisted it, so a
 * reloaded transcript started mid-conversation): an assistant message with
 * no turn id, unless the conversation has begun; its first message either way.
 */
export function storeGreeting(
  history: ChatHistoryStore,
  sessionId: string,
  greeting: string,
  now = new Date(),
): Promise<ChatMessage> {
  return history.startWith(sessionId, {
    id: randomUUID(),
    role: 'assistant',
    content: greeting,
    timestamp: now.toISOString(),
  });
}
