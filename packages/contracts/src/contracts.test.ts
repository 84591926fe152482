import { describe, expect, it } from 'vitest';
import { errorBodyValidator, errorCodes, errorStatus } from './errors.js';
import { queues } from './queues.js';
import { workerServiceNames } from './services.js';
import { topics } from './topics.js';
import { wsEnvelopeValidator } from './ws-envelope.js';

describe('error codes', () => {
  it('map every code to a 4xx or 5xx status, with the statuses SPEC §2 fixes', () => {
    for (const code of errorCodes) expect(errorStatus[code]).toBeGreaterThanOrEqual(400);
    expect(errorStatus.SB_VALIDATION).toBe(400);
    expect(errorStatus.SB_BAD_SIGNATURE).toBe(401);
    expect(errorStatus.SB_SESSION_LIMIT).toBe(409);
    expect(errorStatus.SB_ALREADY_ANSWERED).toBe(409);
    expect(errorStatus.SB_EXPIRED).toBe(410);
    expect(errorStatus.SB_RATE_LIMITED).toBe(429);
    expect(errorStatus.SB_UPSTREAM).toBe(502);
    expect(errorStatus.SB_TIMEOUT).toBe(504);
  });

  it('accept the standard error body and refuse anything else', () => {
    expect(
      errorBodyValidator.Check({
        success: false,
        error: 'Session abc not found',
        code: 'SB_NOT_FOUND',
        requestId: 'r',
      }),
    ).toBe(true);
    expect(
      errorBodyValidator.Check({ success: true, error: 'x', code: 'SB_NOT_FOUND', requestId: 'r' }),
    ).toBe(false);
    expect(errorBodyValidator.Check({ success: false, error: 'x', code: 'NOT_A_CODE', requestId: 'r' })).toBe(
      false,
    );
    expect(errorBodyValidator.Check({ success: false, error: 'x', code: 'SB_NOT_FOUND' })).toBe(false);
  });
});

describe('queue registry', () => {
  it('gives every worker service a queue of its own name that answers ping', () => {
    for (const name of workerServiceNames) {
      expect(queues[name].name).toBe(name);
      const ping = queues[name].jobs.ping;
      expect(ping.payloadValidator.Check({ from: 'gateway', sentAt: '2026-01-01T00:00:00Z' })).toBe(true);
      expect(ping.payloadValidator.Check({ from: 'stranger', sentAt: '2026-01-01T00:00:00Z' })).toBe(false);
      expect(ping.resultValidator.Check({ service: name, instance: 'i', version: '1', uptime_s: 1 })).toBe(
        true,
      );
    }
  });
});

describe('topic registry', () => {
  it('names the system channel after the topic', () => {
    expect(topics.system.channel()).toBe('system');
    expect(topics.system.pattern).toBe('system');
  });
});

describe('WS envelope', () => {
  it('accepts {event, data} and refuses malformed frames', () => {
    expect(wsEnvelopeValidator.Check({ event: 'chat_message', data: { message: 'hi' } })).toBe(true);
    expect(wsEnvelopeValidator.Check({ event: 'join_session' })).toBe(true);
    expect(wsEnvelopeValidator.Check({ data: {} })).toBe(false);
    expect(wsEnvelopeValidator.Check({ event: '' })).toBe(false);
    expect(wsEnvelopeValidator.Check({ event: 'x'.repeat(65) })).toBe(false);
    expect(wsEnvelopeValidator.Check({ event: 'Bad Event' })).toBe(false);
  });
});
