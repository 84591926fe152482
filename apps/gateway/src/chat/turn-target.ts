import type { AssistantName } from '@switchboard/contracts/chat';
import { AppError } from '@switchboard/runtime/app-error';
import type { SessionRecord, SessionStore } from '@switchboard/stores/sessions';
import { isAdmin, type Principal } from '../auth/principal.js';
import { openSession } from '../chat-data/session-opening.js';

export interface TurnTarget {
  session: SessionRecord;
  /** The session was made for this turn (000 names a new id, or none). */
  created: boolean;
}

/**
 * The session a chat turn is for: the one the body names, else the caller's
 * session token's. 000's `/chat` creates it when a user or an administrator
 * names a new id, or none (a fresh id then, never a shared "default"); a
 * session token only ever reaches its own session. `checkNew` vets the turn
 * against the new session's assistant before it is made, so a refused turn
 * leaves no session behind.
 */
export async function turnTarget(
  principal: Principal,
  sessions: SessionStore,
  maxPerUser: number,
  named: string | undefined,
  assistantForNew: AssistantName | null,
  checkNew: (assistant: AssistantName) => void,
): Promise<TurnTarget> {
  const sessionId = named ?? (principal.kind === 'session' ? principal.sessionId : undefined);
  if (sessionId !== undefined) {
    const session = await sessions.get(sessionId);
    if (session) return { session, created: false };
  }
  const mayCreate = assistantForNew !== null && (principal.kind === 'user' || isAdmin(principal));
  if (!mayCreate) {
    throw new AppError('SB_NOT_FOUND', `Session ${sessionId ?? '(none)'} not found.`);
  }
  checkNew(assistantForNew);
  const session = await openSession(sessions, maxPerUser, principal, {
    assistant: assistantForNew,
    ...(sessionId === undefined ? {} : { id: sessionId }),
  });
  if (session) return { session, created: true };
  // Created by a concurrent request between our read and our write: use it.
  const existing = sessionId === undefined ? null : await sessions.get(sessionId);
  if (!existing) throw new AppError('SB_CONFLICT', 'The session could not be created; please retry.');
  return { session: existing, created: false };
}
