import { randomUUID } from 'node:crypto';
import { ClientMessageIdSchema, SessionIdSchema } from '@switchboard/contracts/chat';
import type { ErrorCode } from '@switchboard/contracts/errors';
import { type SessionEventEntry, StreamEntryId } from '@switchboard/contracts/session-events';
import { isAppError } from '@switchboard/runtime/app-error';
import type { SessionEventLog } from '@switchboard/stores/session-events';
import type { SessionStore } from '@switchboard/stores/sessions';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Principal } from '../auth/principal.js';
import { maySeeSession } from '../auth/session-access.js';
import type { StartedTurn, TurnStarter } from '../chat/turn-starter.js';
import type { ConnectionHub } from './connection-hub.js';
import type { RealtimeLimits } from './realtime-limits.js';
import { followSession } from './session-feed.js';

/** One connection speaking 000's events, whatever carries them (`/ws` frames or Socket.IO). */
export interface DispatchPeer {
  readonly id: string;
  readonly principal: Principal;
  /** The client's address, for the IP budget of its turns. */
  readonly ip: string;
  readonly isOpen: boolean;
  emit(event: string, data: Record<string, unknown>): void;
  drained(): Promise<void>;
}

export interface DispatchDeps {
  hub: ConnectionHub;
  log: SessionEventLog;
  sessions: SessionStore;
  limits: RealtimeLimits;
  chat: TurnStarter;
}

/** `join_session` (alias `join`): `last_event_id` resumes after an entry the client already has. */
const joinData = Compile(
  Type.Object({ session_id: SessionIdSchema, last_event_id: Type.Optional(StreamEntryId) }),
);
const leaveData = Compile(Type.Object({ session_id: SessionIdSchema }));
const chatData = Compile(
  Type.Object({
    message: Type.String({ pattern: '\\S', maxLength: 20_000 }),
    session_id: SessionIdSchema,
    client_message_id: Type.Optional(ClientMessageIdSchema),
  }),
);
const hasMessage = Compile(Type.Object({ message: Type.String({ pattern: '\\S' }) }));

/** When an entry was appended: the millisecond part of its stream id. */
function appendedAt(entry: SessionEventEntry): string {
  return new Date(Number(entry.id.split('-')[0])).toISOString();
}

/**
 * A session entry in 000's words: a finished reply is `chat_response` (and 000's room `message`), a
 * failure `error {error, code}`; the other events keep their names. Every
 * event carries its `session_id` and `event_id` (the stream id to resume after).
 */
function dispatchEventsOf(entry: SessionEventEntry, sessionId: string): [string, Record<string, unknown>][] {
  const ids = { session_id: sessionId, event_id: entry.id };
  switch (entry.event) {
    case 'message': {
      const timestamp = appendedAt(entry);
      return [
        ['chat_response', { response: entry.data.message, timestamp, ...ids }],
        // 000 also told the room in the words its bundled page listens for (dispatch A4).
        ['message', { type: 'assistant_response', content: entry.data.message, timestamp, ...ids }],
      ];
    }
    case 'chat_response':
      return [['chat_response', { timestamp: appendedAt(entry), ...entry.data, ...ids }]];
    case 'error':
      return [['error', { error: entry.data.message, code: entry.data.code ?? 'SB_UPSTREAM', ...ids }]];
    default:
      return [[entry.event, { ...entry.data, ...ids }]];
  }
}

/**
 * 000's conversation on one connection (SPEC §1 `/ws` and `/socket.io`):
 * `connected` on arrival; `join_session` (alias `join`) to follow a session
 * the caller has rights to, `leave_session`, `chat_message`. Both transports
 * hand every client event to `handle`, one at a time, and call `end` when
 * the connection goes.
 */
export class DispatchConversation {
  private readonly joined = new Map<string, () => Promise<void>>();
  private ended = false;

  constructor(
    private readonly deps: DispatchDeps,
    private readonly peer: DispatchPeer,
  ) {}

  greet(): void {
    this.peer.emit('connected', {
      sid: this.peer.id,
      message: 'Connected to Switchboard.',
      timestamp: new Date().toISOString(),
    });
  }

  async handle(event: string, data: unknown): Promise<void> {
    switch (event) {
      case 'join_session':
      case 'join':
        return this.join(data);
      case 'leave_session':
        return this.leave(data);
      case 'chat_message':
        return this.chat(data);
      default:
        return this.fail(
          'SB_VALIDATION',
          `Unknown event ${JSON.stringify(event.slice(0, 64))}; this socket takes join_session, leave_session and chat_message.`,
        );
    }
  }

  async end(): Promise<void> {
    this.ended = true;
    const stops = [...this.joined.values()];
    this.joined.clear();
    await Promise.all(stops.map((stop) => stop()));
  }

  private async join(data: unknown): Promise<void> {
    if (!joinData.Check(data)) {
      return this.fail(
        'SB_VALIDATION',
        'join_session needs {"session_id": "<id>"}, and "last_event_id" to resume.',
      );
    }
    const { session_id: sessionId, last_event_id: afterId } = data;
    if (this.joined.has(sessionId)) return this.confirmJoin(sessionId);
    if (this.joined.size >= this.deps.limits.maxJoinedSessions) {
      return this.fail(
        'SB_CONFLICT',
        `This connection follows ${this.joined.size} sessions already; leave one first.`,
      );
    }
    const session = await this.deps.sessions.get(sessionId);
    if (!session) return this.fail('SB_NOT_FOUND', `Session ${sessionId} not found.`);
    if (!maySeeSession(this.peer.principal, session)) {
      return this.peer.principal.kind === 'anonymous'
        ? this.fail(
            'SB_UNAUTHENTICATED',
            'Joining a session needs its session token or a login (connect with ?token=).',
          )
        : this.fail('SB_FORBIDDEN', `This connection has no rights to session ${sessionId}.`);
    }
    const stop = await followSession({
      fanout: this.deps.hub.sessions,
      log: this.deps.log,
      sessionId,
      afterId,
      target: {
        following: () => this.confirmJoin(sessionId),
        deliver: (entry) => {
          for (const [event, data] of dispatchEventsOf(entry, sessionId)) this.peer.emit(event, data);
        },
        drained: () => this.peer.drained(),
      },
    });
    if (this.ended) await stop();
    else this.joined.set(sessionId, stop);
  }

  private confirmJoin(sessionId: string): void {
    this.peer.emit('joined_session', { session_id: sessionId, message: `Joined session ${sessionId}` });
  }

  private async leave(data: unknown): Promise<void> {
    if (!leaveData.Check(data))
      return this.fail('SB_VALIDATION', 'leave_session needs {"session_id": "<id>"}.');
    const sessionId = data.session_id;
    const stop = this.joined.get(sessionId);
    this.joined.delete(sessionId);
    await stop?.();
    this.peer.emit('left_session', { session_id: sessionId, message: `Left session ${sessionId}` });
  }

  /**
   * A turn of the session, which this connection then follows (dispatch A4
   * [fix]: the sender is joined to its room, so it sees `processing` and
   * `chat_response`). A user or administrator naming a new session gets it.
   */
  private async chat(data: unknown): Promise<void> {
    // 000's own sentence for a missing or blank message.
    if (!hasMessage.Check(data)) return this.fail('SB_VALIDATION', 'Message is required');
    if (!chatData.Check(data)) return this.fail('SB_VALIDATION', 'chat_message needs a valid "session_id".');
    const sessionId = data.session_id;
    if (!this.joined.has(sessionId) && (await this.deps.sessions.exists(sessionId))) {
      await this.join({ session_id: sessionId });
      if (!this.joined.has(sessionId)) return;
    }
    let started: StartedTurn;
    try {
      started = await this.deps.chat.start(
        this.peer.principal,
        { message: data.message, session_id: sessionId, client_message_id: data.client_message_id },
        { requestId: randomUUID(), assistantForNew: 'dispatch', viaSocket: true, ip: this.peer.ip },
      );
    } catch (error) {
      if (!isAppError(error)) throw error;
      return this.fail(error.code, error.message);
    }
    // A new session: its stream holds only this turn, so following it from the start misses nothing.
    if (!this.joined.has(sessionId)) await this.join({ session_id: sessionId, last_event_id: '0-0' });
    // Not awaited: the connection takes its next event while a resent turn finishes.
    this.deps.chat.replyToResend(started).then(
      (result) => {
        if (result) {
          this.peer.emit('chat_response', {
            response: result.response,
            session_id: sessionId,
            timestamp: result.timestamp,
          });
        }
      },
      (error: unknown) => {
        if (isAppError(error)) this.fail(error.code, error.message);
      },
    );
  }

  private fail(code: ErrorCode, error: string): void {
    this.peer.emit('error', { error, code });
  }
}
