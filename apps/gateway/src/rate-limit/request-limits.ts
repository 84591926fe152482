import { AppError } from '@switchboard/runtime/app-error';
import type { Config } from '@switchboard/runtime/config';
import { type ServiceBase, withTimeout } from '@switchboard/runtime/service-base';
import { Counter } from 'prom-client';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Whose budget a request (or WebSocket message) spends. */
export type LimitKind = 'ip' | 'user' | 'session' | 'api_key' | 'channel';

/** Where a budget stands after one request was counted. */
export interface LimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetS: number;
}

const windowS = 60;
// The request path must never wait on a hung Redis longer than this.
const redisDeadlineMs = 1_000;

const budgets: Record<LimitKind, { setting: keyof Config['rateLimits']; per: string }> = {
  ip: { setting: 'perIp', per: 'IP address' },
  user: { setting: 'perUser', per: 'user' },
  session: { setting: 'perSession', per: 'session' },
  // SPEC §2 has no separate key budget; a key acts for a user, so it gets a user's.
  api_key: { setting: 'perUser', per: 'API key' },
  channel: { setting: 'perChannel', per: 'channel' },
};

/** The IETF draft names, plus the `X-` names the original product sent. */
export function rateLimitHeaders(state: LimitState): Record<string, string> {
  const values = { Limit: state.limit, Remaining: state.remaining, Reset: state.resetS };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    headers[`RateLimit-${name}`] = String(value);
    headers[`X-RateLimit-${name}`] = String(value);
  }
  return headers;
}

/**
 * Fixed one-minute budgets per kind, counted in Redis so every gateway
 * instance spends from the same budget. There is deliberately no in-memory
 * fallback: when Redis does not answer, callers are refused with 503 rather
 * than served unlimited (each instance would otherwise grant a full budget).
 */
export class RequestLimits {
  private readonly limiters: Record<LimitKind, RateLimiterRedis>;
  private readonly refused: Counter<'kind'>;

  constructor(service: ServiceBase) {
    const limiter = (kind: LimitKind) =>
      new RateLimiterRedis({
        storeClient: service.redis,
        keyPrefix: service.keys.key('rl', kind),
        points: service.config.rateLimits[budgets[kind].setting],
        duration: windowS,
      });
    this.limiters = {
      ip: limiter('ip'),
      user: limiter('user'),
      session: limiter('session'),
      api_key: limiter('api_key'),
      channel: limiter('channel'),
    };
    this.refused = new Counter({
      name: 'sb_rate_limited_total',
      help: 'Requests refused by a rate limit, by budget kind.',
      labelNames: ['kind'],
      registers: [service.metrics.registry],
    });
  }

  /**
   * Counts one request against `id`'s budget of `kind`. Throws AppError
   * SB_RATE_LIMITED (with Retry-After and the limit headers) when the budget
   * is spent, SB_UNAVAILABLE when Redis fails or takes over a second.
   */
  async consume(kind: LimitKind, id: string): Promise<LimitState> {
    const limiter = this.limiters[kind];
    try {
      const spent = await withTimeout(limiter.consume(id), redisDeadlineMs, 'no answer within 1 s');
      return stateOf(limiter.points, spent);
    } catch (error) {
      // The limiter rejects with its result when the budget is spent, with an Error when Redis fails.
      if (!(error instanceof RateLimiterRes)) {
        throw new AppError(
          'SB_UNAVAILABLE',
          'Rate limiting is unavailable because Redis does not answer; try again shortly.',
          undefined,
          { cause: error },
        );
      }
      this.refused.inc({ kind });
      const state = stateOf(limiter.points, error);
      throw new AppError(
        'SB_RATE_LIMITED',
        `Too many requests: ${state.limit} per minute per ${budgets[kind].per}; try again in ${state.resetS} s.`,
        undefined,
        { headers: { ...rateLimitHeaders(state), 'Retry-After': String(state.resetS) } },
      );
    }
  }
}

function stateOf(limit: number, result: RateLimiterRes): LimitState {
  return {
    limit,
    remaining: result.remainingPoints,
    resetS: Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
  };
}
