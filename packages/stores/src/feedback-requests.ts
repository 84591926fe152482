import {
  type AnswerChannel,
  FeedbackRequestRecord,
  type FeedbackWinner,
} from '@switchboard/contracts/feedback';
import {
  type ChannelName,
  OutgoingMessage,
  Recipient,
  type Strategy,
} from '@switchboard/contracts/notifications';
import { topics, type UserEvent } from '@switchboard/contracts/topics';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { Compile } from 'typebox/compile';
import type { SessionEventLog } from './session-events.js';

/*
 * Keys
 *   {sb}:feedback:<id>                    HASH    `record` (JSON of the fields that never change), `status`,
 *                                                 `expires_at_ms`, `recipients` (JSON Recipient: where each
 *                                                 channel reaches the person asked), `message` (JSON
 *                                                 OutgoingMessage that asked, so its copies can be edited),
 *                                                 `winner` (JSON, once answered), `decision`;
 *                                                 PEXPIREAT = expiry + 7 days.
 *   {sb}:feedback-responses:<id>          LIST    every answer received, accepted or not (JSON ResponseLogEntry),
 *                                                 newest 200 kept; expires with the request (or 37 days after
 *                                                 a refusal logged outside the answer script).
 *   {sb}:feedback-synced:<id>             SET     steps of showing the outcome already done (its timeline line,
 *                                                 each sent copy edited): the sync and expiry jobs are retried,
 *                                                 each step happens once; PEXPIRE 37 days.
 *   {sb}:feedback-by-requester:<userId>   ZSET    request ids by creation time (ms); trimmed on write to the
 *                                                 newest 1000 and to what can still exist.
 * Channels
 *   <prefix>:events:user:<requester>      `feedback_request` on create, `feedback_resolved` on the winning
 *                                         answer, `feedback_expired` on expiry (topic `user`).
 * Atomicity: answering and expiring are each one Lua script that checks the status and the expiry,
 * changes the status, logs the response and publishes the event together. Exactly one answer wins, and
 * only the caller whose script made the change publishes, so each outcome is announced exactly once.
 * The request's session stream (`feedback_*` events, see session-events.ts) is appended to by that same
 * caller right after.
 */

/** How long a request stays readable after its expiry (GET, the sync and expiry jobs, the answer page). */
const retentionMs = 7 * 24 * 3_600_000;
/** The longest expiry a request may have (FeedbackRequestBody's `expires_in` maximum). */
const maxLifetimeMs = 30 * 24 * 3_600_000;
const responseLogLength = 200;
const requesterIndexLength = 1000;
/** How many of a requester's newest requests a list reads before filtering by status, and returns. */
const listScanLength = 500;
const listLength = 100;
const maxAnswerLength = 2_000;

const feedbackIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The winner as stored: the contract's fields plus a name people recognise (username, address, Slack id). */
export type StoredWinner = FeedbackWinner & { responder_name?: string };

export interface NewFeedbackRequest {
  /** Chosen by the caller (a random UUID), since the message that asks carries it. */
  id: string;
  question: string;
  options: string[];
  allow_free_text: boolean;
  requester_id: string;
  session_id?: string;
  channels: ChannelName[];
  strategy: Strategy;
  expires_at: Date;
  recipients: Recipient;
  /** The message the channels deliver: the question, with its answer link and buttons. */
  message: OutgoingMessage;
}

export interface AnswerInput {
  answer: string;
  channel: AnswerChannel;
  responder_id: string;
  responder_name?: string;
}

export type AnswerOutcome =
  | { kind: 'won'; record: FeedbackRequestRecord }
  | { kind: 'lost'; winner: StoredWinner }
  | { kind: 'expired' }
  | { kind: 'cancelled' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'not_found' };

export type ExpireOutcome =
  | { kind: 'expired'; record: FeedbackRequestRecord }
  | { kind: 'not_due'; expiresAt: Date }
  | { kind: 'closed'; record: FeedbackRequestRecord }
  | { kind: 'not_found' };

export type RefusalReason = 'already_answered' | 'expired' | 'cancelled' | 'invalid' | 'not_allowed';

export interface ResponseLogEntry {
  answer: string;
  channel: AnswerChannel;
  responder_id: string;
  at: string;
  accepted: boolean;
  reason?: RefusalReason;
}

const approveWords = new Set(['approve', 'approved', 'yes', 'y', 'confirm', 'confirmed', 'ok', 'accept']);
const rejectWords = new Set(['reject', 'rejected', 'no', 'n', 'deny', 'denied', 'decline']);
const word = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');

/** A question with one approve-like and one reject-like option (SPEC §4: these get a `decision`). */
export function isApprovalQuestion(options: readonly string[]): boolean {
  const kinds = options.map(word);
  return kinds.some((kind) => approveWords.has(kind)) && kinds.some((kind) => rejectWords.has(kind));
}

/** `approved` / `rejected` for an approve/reject question, undefined for any other question or answer. */
export function decisionFor(options: readonly string[], answer: string): 'approved' | 'rejected' | undefined {
  if (!isApprovalQuestion(options)) return undefined;
  const given = word(answer);
  if (approveWords.has(given)) return 'approved';
  if (rejectWords.has(given)) return 'rejected';
  return undefined;
}

/**
 * The answer as it will be stored: the option it names (matched without
 * regard to case or surrounding space), else the free text when the request
 * allows it; otherwise why it is not an answer to this request.
 */
export function acceptedAnswer(
  request: Pick<FeedbackRequestRecord, 'options' | 'allow_free_text'>,
  given: string,
): { ok: true; answer: string } | { ok: false; reason: string } {
  const text = given.trim();
  if (text === '') return { ok: false, reason: 'The answer is empty.' };
  const option = request.options.find((candidate) => candidate.toLowerCase() === text.toLowerCase());
  if (option !== undefined) return { ok: true, answer: option };
  if (!request.allow_free_text) {
    return { ok: false, reason: `The answer must be one of: ${request.options.join(', ')}.` };
  }
  if (text.length > maxAnswerLength) {
    return { ok: false, reason: `The answer is longer than ${maxAnswerLength} characters.` };
  }
  return { ok: true, answer: text };
}

const channelLabels: Record<AnswerChannel, string> = {
  web: 'the web',
  slack: 'Slack',
  email: 'email',
  websocket: 'the app',
};

/** The sentence every place shows once a request is answered: "answered by alice via Slack". */
export function answeredBy(winner: StoredWinner): string {
  return `answered by ${winner.responder_name ?? winner.responder_id} via ${channelLabels[winner.channel]}`;
}

const answerScript = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'not_found'} end
-- ARGV[6] is the entry's JSON object; its outcome is added here (no cjson: it refuses some valid strings).
local function log(accepted, reason)
  local outcome = ',"accepted":' .. tostring(accepted)
  if reason then outcome = outcome .. ',"reason":"' .. reason .. '"' end
  redis.call('RPUSH', KEYS[2], string.sub(ARGV[6], 1, -2) .. outcome .. '}')
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[7]), -1)
  redis.call('PEXPIREAT', KEYS[2], ARGV[8])
end
if status == 'answered' then
  log(false, 'already_answered')
  return {'answered', redis.call('HGET', KEYS[1], 'winner')}
end
if status ~= 'pending' then
  log(false, status)
  return {status}
end
if tonumber(ARGV[1]) >= tonumber(redis.call('HGET', KEYS[1], 'expires_at_ms')) then
  log(false, 'expired')
  return {'expired'}
end
redis.call('HSET', KEYS[1], 'status', 'answered', 'winner', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'decision', ARGV[3]) end
log(true, nil)
redis.call('PUBLISH', ARGV[4], ARGV[5])
return {'won'}
`;

const expireScript = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not_found' end
if status ~= 'pending' then return status end
if tonumber(ARGV[1]) < tonumber(redis.call('HGET', KEYS[1], 'expires_at_ms')) then return 'not_due' end
redis.call('HSET', KEYS[1], 'status', 'expired')
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 'expired_now'
`;

const recordValidator = Compile(FeedbackRequestRecord);
const recipientValidator = Compile(Recipient);
const messageValidator = Compile(OutgoingMessage);

function userEvent(event: UserEvent['event'], data: Record<string, unknown>): string {
  const candidate: UserEvent = { event, data };
  if (!topics.user.eventValidator.Check(candidate)) throw new TypeError(`invalid ${event} user event`);
  return JSON.stringify(candidate);
}

/**
 * Human feedback requests: a question, how it may be answered, who was asked
 * where, and the first valid answer (SPEC §1 "Human feedback", §4 "Feedback
 * records"). The single source of the request's lifecycle events.
 */
export class FeedbackRequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly sessionEvents: SessionEventLog,
  ) {}

  private requestKey(id: string): string {
    return this.keys.key('feedback', id);
  }

  private responsesKey(id: string): string {
    return this.keys.key('feedback-responses', id);
  }

  private syncedKey(id: string): string {
    return this.keys.key('feedback-synced', id);
  }

  private requesterKey(requesterId: string): string {
    return this.keys.key('feedback-by-requester', requesterId);
  }

  private userChannel(requesterId: string): string {
    return this.keys.channel(topics.user.channel(requesterId));
  }

  /** Stores a new pending request and announces it to the requester (and its session, if any). */
  async create(input: NewFeedbackRequest, now = new Date()): Promise<FeedbackRequestRecord> {
    const { id } = input;
    if (!feedbackIdPattern.test(id)) throw new TypeError(`invalid feedback request id ${JSON.stringify(id)}`);
    const expiresAtMs = input.expires_at.getTime();
    const record: FeedbackRequestRecord = {
      id,
      question: input.question,
      options: input.options,
      allow_free_text: input.allow_free_text,
      status: 'pending',
      requester_id: input.requester_id,
      ...(input.session_id === undefined ? {} : { session_id: input.session_id }),
      channels: input.channels,
      strategy: input.strategy,
      created_at: now.toISOString(),
      expires_at: new Date(expiresAtMs).toISOString(),
    };
    if (!recordValidator.Check(record)) throw new TypeError('invalid feedback request');
    const { status: _status, ...fixed } = record;
    const retainUntil = expiresAtMs + retentionMs;
    const index = this.requesterKey(input.requester_id);
    await this.redis
      .multi()
      .hset(this.requestKey(id), {
        record: JSON.stringify(fixed),
        status: 'pending',
        expires_at_ms: String(expiresAtMs),
        recipients: JSON.stringify(input.recipients),
        message: JSON.stringify(input.message),
      })
      .pexpireat(this.requestKey(id), retainUntil)
      .zadd(index, now.getTime(), id)
      .zremrangebyscore(index, '-inf', now.getTime() - maxLifetimeMs - retentionMs)
      .zremrangebyrank(index, 0, -requesterIndexLength - 1)
      .pexpire(index, maxLifetimeMs + retentionMs)
      .publish(
        this.userChannel(input.requester_id),
        userEvent('feedback_request', { request_id: id, request: record }),
      )
      .exec();
    if (record.session_id !== undefined) {
      // Beyond the contract's `request_id`: what the agent and SSE clients show without a lookup.
      const requested = {
        request_id: id,
        question: record.question,
        options: record.options,
        expires_at: record.expires_at,
      };
      await this.sessionEvents.append(record.session_id, 'feedback_requested', requested);
    }
    return record;
  }

  /**
   * The request as it stands. A pending request past its expiry reads as
   * `expired` even before the expiry job has run, since it can no longer be answered.
   */
  async get(id: string, now = new Date()): Promise<FeedbackRequestRecord | null> {
    if (!feedbackIdPattern.test(id)) return null;
    return this.parse(await this.redis.hgetall(this.requestKey(id)), now);
  }

  /** Where each channel reaches the person asked (the linked Slack user may answer on Slack). */
  async recipients(id: string): Promise<Recipient | null> {
    if (!feedbackIdPattern.test(id)) return null;
    const value = await this.redis.hget(this.requestKey(id), 'recipients');
    if (value === null) return null;
    const recipients: unknown = JSON.parse(value);
    return recipientValidator.Check(recipients) ? recipients : null;
  }

  /** The message that asked (its copies are edited to show the outcome). */
  async message(id: string): Promise<OutgoingMessage | null> {
    if (!feedbackIdPattern.test(id)) return null;
    const value = await this.redis.hget(this.requestKey(id), 'message');
    if (value === null) return null;
    const message: unknown = JSON.parse(value);
    return messageValidator.Check(message) ? message : null;
  }

  /** The requester's newest 100 requests, newest first, optionally only those in one status. */
  async list(
    requesterId: string,
    filter: { status?: FeedbackRequestRecord['status'] } = {},
    now = new Date(),
  ): Promise<FeedbackRequestRecord[]> {
    const index = this.requesterKey(requesterId);
    const ids = await this.redis.zrevrange(index, 0, listScanLength - 1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.requestKey(id));
    const rows = (await pipeline.exec()) ?? [];
    const records: FeedbackRequestRecord[] = [];
    const gone: string[] = [];
    rows.forEach(([error, fields], i) => {
      const record = error ? null : this.parse(fields as Record<string, string>, now);
      if (!record) gone.push(ids[i]!);
      else if (filter.status === undefined || record.status === filter.status) records.push(record);
    });
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    return records.slice(0, listLength);
  }

  /**
   * Records `input` as the answer if it is the first valid one: the request
   * is pending, not past its expiry, and the answer is one of its options
   * (or free text where allowed). Every attempt is logged, with the reason
   * when refused. The winner's script publishes `feedback_resolved`; the
   * winner then appends it to the session's stream.
   */
  async answer(id: string, input: AnswerInput, now = new Date()): Promise<AnswerOutcome> {
    const current = await this.get(id, now);
    if (!current) return { kind: 'not_found' };
    const parsed = acceptedAnswer(current, input.answer);
    if (!parsed.ok) {
      await this.refuse(id, input, 'invalid', now);
      return { kind: 'invalid', reason: parsed.reason };
    }
    const winner: StoredWinner = {
      answer: parsed.answer,
      channel: input.channel,
      responder_id: input.responder_id,
      answered_at: now.toISOString(),
      ...(input.responder_name === undefined ? {} : { responder_name: input.responder_name }),
    };
    const decision = decisionFor(current.options, parsed.answer);
    const record: FeedbackRequestRecord = {
      ...current,
      status: 'answered',
      winner,
      ...(decision === undefined ? {} : { decision }),
    };
    const event = userEvent('feedback_resolved', {
      request_id: id,
      status: 'answered',
      answer: winner.answer,
      ...(decision === undefined ? {} : { decision }),
      winner,
      // 003's name for who decided, beside the contract's `winner`.
      decided_by: { channel: winner.channel, responder: winner.responder_id },
    });
    const [outcome, storedWinner] = (await this.redis.eval(
      answerScript,
      2,
      this.requestKey(id),
      this.responsesKey(id),
      String(now.getTime()),
      JSON.stringify(winner),
      decision ?? '',
      this.userChannel(current.requester_id),
      event,
      JSON.stringify(this.logEntry(input, now)),
      String(responseLogLength),
      String(Date.parse(current.expires_at) + retentionMs),
    )) as [string, string?];
    switch (outcome) {
      case 'won':
        if (record.session_id !== undefined) {
          const resolved = {
            request_id: id,
            answer: winner.answer,
            channel: winner.channel,
            ...(decision === undefined ? {} : { decision }),
          };
          await this.sessionEvents.append(record.session_id, 'feedback_resolved', resolved);
        }
        return { kind: 'won', record };
      case 'answered':
        return { kind: 'lost', winner: JSON.parse(storedWinner ?? '{}') as StoredWinner };
      case 'expired':
        return { kind: 'expired' };
      case 'cancelled':
        return { kind: 'cancelled' };
      default:
        return { kind: 'not_found' };
    }
  }

  /** Logs an answer refused before it reached the request (e.g. from someone not allowed to answer). */
  async refuse(id: string, input: AnswerInput, reason: RefusalReason, now = new Date()): Promise<void> {
    if (!feedbackIdPattern.test(id)) return;
    const entry: ResponseLogEntry = { ...this.logEntry(input, now), accepted: false, reason };
    const key = this.responsesKey(id);
    await this.redis
      .multi()
      .rpush(key, JSON.stringify(entry))
      .ltrim(key, -responseLogLength, -1)
      .pexpire(key, maxLifetimeMs + retentionMs)
      .exec();
  }

  /** Every response logged for the request, oldest first. */
  async responses(id: string): Promise<ResponseLogEntry[]> {
    if (!feedbackIdPattern.test(id)) return [];
    const rows = await this.redis.lrange(this.responsesKey(id), 0, -1);
    return rows.map((row) => JSON.parse(row) as ResponseLogEntry);
  }

  /**
   * Pending and past its expiry → `expired`, announced only by the call that
   * made the change (a repeat finds it expired and says so, silently).
   * Earlier than the expiry it changes nothing.
   */
  async expire(id: string, now = new Date()): Promise<ExpireOutcome> {
    const current = await this.get(id, now);
    if (!current) return { kind: 'not_found' };
    const outcome = (await this.redis.eval(
      expireScript,
      1,
      this.requestKey(id),
      String(now.getTime()),
      this.userChannel(current.requester_id),
      userEvent('feedback_expired', { request_id: id, status: 'expired' }),
    )) as string;
    const record: FeedbackRequestRecord = { ...current, status: 'expired' };
    switch (outcome) {
      case 'expired_now':
        if (record.session_id !== undefined) {
          await this.sessionEvents.append(record.session_id, 'feedback_expired', { request_id: id });
        }
        return { kind: 'expired', record };
      case 'expired':
        return { kind: 'expired', record };
      case 'not_due':
        return { kind: 'not_due', expiresAt: new Date(current.expires_at) };
      case 'not_found':
        return { kind: 'not_found' };
      default:
        return { kind: 'closed', record: current };
    }
  }

  /** Whether this step of showing the outcome is done (`step` names it, e.g. `copy:slack`). */
  async isSynced(id: string, step: string): Promise<boolean> {
    return (await this.redis.sismember(this.syncedKey(id), step)) === 1;
  }

  /** Remembers that a step of showing the outcome is done, so a retried job does not repeat it. */
  async markSynced(id: string, step: string): Promise<void> {
    await this.redis
      .multi()
      .sadd(this.syncedKey(id), step)
      .pexpire(this.syncedKey(id), maxLifetimeMs + retentionMs)
      .exec();
  }

  private logEntry(input: AnswerInput, now: Date): Omit<ResponseLogEntry, 'accepted'> {
    return {
      answer: input.answer.slice(0, maxAnswerLength),
      channel: input.channel,
      responder_id: input.responder_id,
      at: now.toISOString(),
    };
  }

  private parse(fields: Record<string, string>, now: Date): FeedbackRequestRecord | null {
    if (!fields.record || !fields.status || !fields.expires_at_ms) return null;
    try {
      const record = {
        ...JSON.parse(fields.record),
        status:
          fields.status === 'pending' && now.getTime() >= Number(fields.expires_at_ms)
            ? 'expired'
            : fields.status,
        ...(fields.winner ? { winner: JSON.parse(fields.winner) } : {}),
        ...(fields.decision ? { decision: fields.decision } : {}),
      };
      return recordValidator.Check(record) ? record : null;
    } catch {
      return null;
    }
  }
}
