import type { AssistantName } from '@switchboard/contracts/chat';
import { AppError } from '@switchboard/runtime/app-error';
import type { SessionRecord, SessionStore } from '@switchboard/stores/sessions';
import { isAdmin, type Principal } from '../auth/principal.js';
import { maySeeSession } from '../auth/session-access.js';
import { openSession } from '../chat-data/session-opening.js';

export interface TurnTarget {
  session: SessionRecord;
  /** The session was made for this turn (000 names a new id, or none). */
  created: boolean;
}

/** How many of a user's newest sessions are looked through for one to continue. */
const recentSessionsScanned = 20;

/** A session the caller may send turns to: theirs to see, and not stopped (002's stop ends it). */
function usable(principal: Principal, session: SessionRecord): SessionRecord {
  if (!maySeeSession(principal, session)) {
    throw new AppError('SB_FORBIDDEN', `This token gives no access to session ${session.id}.`);
  }
  if (session.status === 'stopped') {
    throw new AppError('SB_CONFLICT', `Session ${session.id} is stopped; start a new one.`);
  }
  return session;
}

/** The user's most recently active session with that assistant, to carry a conversation on. */
async function latestOf(
  sessions: SessionStore,
  userId: string,
  assistant: AssistantName,
): Promise<SessionRecord | undefined> {
  const { sessions: recent } = await sessions.list({
    ownerId: userId,
    offset: 0,
    limit: recentSessionsScanned,
  });
  return recent.find((session) => session.assistant === assistant && session.status !== 'stopped');
}

/**
 * The session a chat turn is for: the one the body names, else the caller's
 * session token's, else (a user naming none) their latest session with the
 * door's assistant. Every door checks the caller's rights to it here, so a
 * socket cannot reach a session its credential does not open. 000's `/chat`
 * creates the session when a user or an administrator names a new id, or
 * none and has none (a fresh id then, never a shared "default"). `checkNew`
 * vets the turn against the new session's assistant before it is made, so a
 * refused turn leaves no session behind.
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
    if (session) return { session: usable(principal, session), created: false };
  } else if (principal.kind === 'user' && assistantForNew !== null) {
    const latest = await latestOf(sessions, principal.userId, assistantForNew);
    if (latest) return { session: latest, created: false };
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
  // Created by a concurrent request between our read and our write: use it, if it is the caller's.
  const existing = sessionId === undefined ? null : await sessions.get(sessionId);
  if (!existing) {
    throw new AppError(
      'SB_CONFLICT',
      `Session id ${sessionId} belonged to an earlier session; choose another.`,
    );
  }
  return { session: usable(principal, existing), created: false };
}
