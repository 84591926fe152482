import { describe, expect, it } from 'vitest';
import { compareStreamIds, sessionEventEntryValidator, sessionEventNames } from './session-events.js';
import { topics } from './topics.js';

describe('session events', () => {
  it('order stream ids numerically, as Redis does', () => {
    expect(compareStreamIds('9-0', '10-0')).toBe(-1);
    expect(compareStreamIds('10-2', '10-10')).toBe(-1);
    expect(compareStreamIds('1700000000000-5', '1700000000000-5')).toBe(0);
    expect(compareStreamIds('18446744073709551615-1', '18446744073709551615-0')).toBe(1);
  });

  it('accept an entry of every SPEC event and refuse unknown events, bad ids and missing fields', () => {
    const data: Record<string, unknown> = {
      chunk: { content: 'Hel' },
      message: { message: 'Hello', data_collected: { name: 'Bob' }, is_complete: false },
      error: { message: 'failed' },
      feedback_requested: { request_id: 'f1' },
      feedback_resolved: { request_id: 'f1' },
      feedback_expired: { request_id: 'f1' },
      chat_response: { response: 'Hi' },
    };
    for (const event of sessionEventNames) {
      const entry = { id: '1-0', event, data: data[event] ?? {} };
      expect(sessionEventEntryValidator.Check(entry), event).toBe(true);
      expect(topics.session.eventValidator.Check(entry), event).toBe(true);
    }
    expect(sessionEventEntryValidator.Check({ id: '1-0', event: 'dance', data: {} })).toBe(false);
    expect(sessionEventEntryValidator.Check({ id: 'latest', event: 'done', data: {} })).toBe(false);
    expect(sessionEventEntryValidator.Check({ id: '1-0', event: 'chunk', data: { text: 'x' } })).toBe(false);
    expect(topics.session.channel('s1')).toBe('session:s1');
    expect(topics.user.eventValidator.Check({ event: 'feedback_request', data: { request_id: 'f1' } })).toBe(
      true,
    );
  });
});
