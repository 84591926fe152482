import type { SessionEventLog } from '@switchboard/stores/session-events';
import type { SessionStore } from '@switchboard/stores/sessions';
import type { Authenticator } from '../auth/principal.js';
import type { LeadGreeting } from '../chat/lead-greeting.js';
import type { TurnStarter } from '../chat/turn-starter.js';
import type { ConnectionHub } from './connection-hub.js';
import type { RealtimeLimits } from './realtime-limits.js';

/** What every realtime path works with, built once by the realtime plugin. */
export interface RealtimeDeps {
  hub: ConnectionHub;
  log: SessionEventLog;
  sessions: SessionStore;
  authenticator: Authenticator;
  limits: RealtimeLimits;
  /** Starts chat turns for the sockets (and the chat routes). */
  chat: TurnStarter;
  /** 001's first frame on its socket. */
  greetings: LeadGreeting;
}
