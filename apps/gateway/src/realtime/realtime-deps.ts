import type { SessionEventLog } from '@switchboard/stores/session-events';
import type { SessionStore } from '@switchboard/stores/sessions';
import type { Authenticator } from '../auth/principal.js';
import type { ConnectionHub } from './connection-hub.js';
import type { RealtimeLimits } from './realtime-limits.js';

/** What every realtime path works with, built once by the realtime plugin. */
export interface RealtimeDeps {
  hub: ConnectionHub;
  log: SessionEventLog;
  sessions: SessionStore;
  authenticator: Authenticator;
  limits: RealtimeLimits;
}
