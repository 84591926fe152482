import type { SessionRecord } from '@switchboard/stores/sessions';
import { isAdmin, type Principal } from './principal.js';

/** SPEC §1 `session` rights: the holder of that session's token, its owner, or an admin. */
export function maySeeSession(principal: Principal, session: SessionRecord): boolean {
  if (isAdmin(principal)) return true;
  if (principal.kind === 'session') return principal.sessionId === session.id;
  if (principal.kind === 'user') return session.owner_id !== null && session.owner_id === principal.userId;
  return false;
}
