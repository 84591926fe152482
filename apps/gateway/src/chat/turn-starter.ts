import type { AssistantName, AttachedFile, ChatTurnBody, TurnResult } from '@switchboard/contracts/chat';
import { AppError } from '@switchboard/runtime/app-error';
import type { SessionRecord, SessionStore } from '@switchboard/stores/sessions';
import type { Principal } from '../auth/principal.js';
import { callerBudget } from '../rate-limit/rate-limit-plugin.js';
import type { RequestLimits } from '../rate-limit/request-limits.js';
import type { SubmittedTurn, TurnSubmission } from './turn-submission.js';
import { turnTarget } from './turn-target.js';

/** 001's message bounds (SPEC §4: a failure is 400). */
const leadMessageMax = 2_000;
/** Every other session turn. */
const sessionMessageMax = 20_000;

export interface StartedTurn {
  submitted: SubmittedTurn;
  /** Null for 002's stateless turn. */
  session: SessionRecord | null;
}

export interface TurnOptions {
  requestId: string;
  clientMessageId?: string | undefined;
  /** The assistant of a session made for this turn; null: an unknown session is a 404. */
  assistantForNew: AssistantName | null;
  /** A socket's message (the caller's budget is then spent here, not by the HTTP hook). */
  viaSocket?: boolean;
  /** Called with the turn's session before the turn is queued (e.g. to note where its events will start). */
  beforeSubmit?: (session: SessionRecord) => Promise<void>;
  /** The caller's address, for the IP budget. */
  ip: string;
}

/** 002's attachments, including its legacy single `attached_content`. */
function attachmentsOf(body: ChatTurnBody): AttachedFile[] | undefined {
  if (body.attached_files) return body.attached_files;
  if (body.attached_content === undefined) return undefined;
  return [{ name: body.attached_filename ?? 'attachment.txt', content: body.attached_content }];
}

function checkSessionMessage(assistant: string, message: string): void {
  if (assistant === 'lead') {
    if (message.length < 1 || message.length > leadMessageMax) {
      throw new AppError(
        'SB_VALIDATION',
        `message must be 1 to ${leadMessageMax.toLocaleString('en')} characters.`,
      );
    }
  } else if (message.trim() === '') {
    // 000's own sentence.
    throw new AppError('SB_VALIDATION', 'Message is required');
  } else if (message.length > sessionMessageMax) {
    throw new AppError(
      'SB_VALIDATION',
      `message must be at most ${sessionMessageMax.toLocaleString('en')} characters.`,
    );
  }
}

/** A stable name for a caller without a session, so its message ids are its own. */
function callerOf(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return `user:${principal.userId}`;
    case 'session':
      return `session:${principal.sessionId}`;
    case 'api_key':
      return `key:${principal.keyId}`;
    default:
      return 'anonymous';
  }
}

/**
 * Starts chat turns for every door (the chat routes and the sockets): finds
 * or makes the session, checks the message by its product's rules, and
 * submits the turn.
 */
export class TurnStarter {
  constructor(
    private readonly submission: TurnSubmission,
    private readonly sessions: SessionStore,
    private readonly maxPerUser: number,
    private readonly allowedModels: readonly string[],
    private readonly limits: Pick<RequestLimits, 'consume'>,
  ) {}

  /** A socket's message: no HTTP hook counted it against the caller, so the turn does, before anything else. */
  private async spendCaller(principal: Principal, options: TurnOptions): Promise<void> {
    if (!options.viaSocket) return;
    const caller = callerBudget(principal, options.ip);
    if (caller) await this.limits.consume(caller.kind, caller.id);
  }

  /**
   * SPEC §2's session budget (a session token's own budget was spent as the
   * caller's), and the IP's for a session nobody owns: opening sessions is
   * free, so their tokens must not multiply what one address may ask for.
   */
  private async spendSession(principal: Principal, session: SessionRecord | null, ip: string): Promise<void> {
    const callerIsSession = principal.kind === 'session' && principal.sessionId === session?.id;
    if (session && !callerIsSession) await this.limits.consume('session', session.id);
    const anonymousSession = session ? session.owner_id === null : principal.kind === 'session';
    if (anonymousSession) await this.limits.consume('ip', ip);
  }

  get deadlineMs(): number {
    return this.submission.deadlineMs;
  }

  async start(principal: Principal, body: ChatTurnBody, options: TurnOptions): Promise<StartedTurn> {
    // 002 took any model a client named (B7): only the configured ones are allowed.
    if (body.model !== undefined && !this.allowedModels.includes(body.model)) {
      throw new AppError(
        'SB_VALIDATION',
        `Model ${body.model} is not available; choose one of: ${this.allowedModels.join(', ')}.`,
      );
    }
    await this.spendCaller(principal, options);
    const files = attachmentsOf(body);
    const message = body.message ?? '';
    const clientMessageId = options.clientMessageId ?? body.client_message_id;
    const common = {
      requestId: options.requestId,
      clientMessageId,
      ...(body.model === undefined ? {} : { model: body.model }),
      // Identity comes from the credential: 002 took a client-asserted `username`/`isGuest` (ignored now).
      ...(principal.kind === 'user'
        ? { identity: { user_id: principal.userId, username: principal.username } }
        : {}),
    };
    if (body.history !== undefined || files !== undefined) {
      if (message.trim() === '' && (files ?? []).length === 0) {
        throw new AppError('SB_VALIDATION', 'Message or attachment is required');
      }
      await this.spendSession(principal, null, options.ip);
      const submitted = await this.submission.submit({
        ...common,
        session: null,
        caller: callerOf(principal),
        assistant: 'general',
        message,
        history: body.history ?? [],
        ...(files === undefined ? {} : { attachedFiles: files }),
      });
      return { submitted, session: null };
    }
    // A session made for this turn is only made for a message its assistant takes.
    const { session, created } = await turnTarget(
      principal,
      this.sessions,
      this.maxPerUser,
      body.session_id,
      options.assistantForNew,
      (assistant) => checkSessionMessage(assistant, message),
    );
    if (!created) checkSessionMessage(session.assistant, message);
    await this.spendSession(principal, session, options.ip);
    await options.beforeSubmit?.(session);
    const submitted = await this.submission.submit({
      ...common,
      session,
      assistant: session.assistant as AssistantName,
      message,
    });
    return { submitted, session };
  }

  result(started: StartedTurn): Promise<TurnResult> {
    return this.submission.result(started.submitted);
  }

  /**
   * For the sockets: a resent turn's reply (its events went out before, so
   * the client is answered from the result, once the turn has one); null
   * for a new turn, whose reply arrives through the session's events.
   */
  async replyToResend(started: StartedTurn): Promise<TurnResult | null> {
    return started.submitted.isNew ? null : this.result(started);
  }
}

/** A finished turn's failure as the error its synchronous route answers (SPEC §4). */
export function turnFailure(result: TurnResult): AppError | null {
  if (!result.error) return null;
  return new AppError(result.error.code, result.error.message, {
    turn_id: result.turn_id,
    ...(result.error.reason ? { reason: result.error.reason } : {}),
    ...(result.incomplete ? { incomplete: true } : {}),
  });
}
