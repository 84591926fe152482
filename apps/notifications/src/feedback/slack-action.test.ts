import { describe, expect, it } from 'vitest';
import { slackAnswerOf } from './slack-action.js';

const id = '4a9f0c1e-2b3d-4e5f-8a7b-9c0d1e2f3a4b';
const user = { id: 'U0ALICE', username: 'alice' };

describe('slackAnswerOf', () => {
  it('reads a button: the value names the request and the answer', () => {
    const payload = {
      type: 'block_actions',
      user,
      response_url: 'https://hooks.slack.com/actions/T1/1/abc',
      actions: [{ type: 'button', value: JSON.stringify({ request_id: id, answer: 'approve' }) }],
    };
    expect(slackAnswerOf(JSON.stringify(payload))).toEqual({
      requestId: id,
      answer: 'approve',
      userId: 'U0ALICE',
      userName: 'alice',
      responseUrl: 'https://hooks.slack.com/actions/T1/1/abc',
    });
  });

  it("reads 003's button value, whose answer is its `action`", () => {
    const value = JSON.stringify({ request_id: id, session_id: 's-1', action: 'reject' });
    const payload = { type: 'block_actions', user: { id: 'U0ALICE' }, actions: [{ type: 'button', value }] };
    expect(slackAnswerOf(JSON.stringify(payload))).toMatchObject({ requestId: id, answer: 'reject' });
  });

  it('reads text typed into the question, finding the request from the message around it', () => {
    const typed = {
      type: 'plain_text_input',
      block_id: 'free_text',
      action_id: 'answer_text',
      value: 'buy 10 shares',
    };
    const fromMetadata = {
      type: 'block_actions',
      user,
      message: { metadata: { event_payload: { request_id: id } }, blocks: [] },
      actions: [typed],
    };
    expect(slackAnswerOf(JSON.stringify(fromMetadata))).toMatchObject({
      requestId: id,
      answer: 'buy 10 shares',
    });
    const fromBlocks = {
      type: 'block_actions',
      user,
      message: { blocks: [{ type: 'section' }, { type: 'actions', block_id: `feedback_${id}` }] },
      actions: [typed],
    };
    expect(slackAnswerOf(JSON.stringify(fromBlocks))).toMatchObject({
      requestId: id,
      answer: 'buy 10 shares',
    });
  });

  it('is null for anything that is not an answer', () => {
    const button = (value: unknown) => ({ type: 'button', value: JSON.stringify(value) });
    for (const payload of [
      'not json',
      '[]',
      JSON.stringify({ type: 'view_closed', user }),
      JSON.stringify({ type: 'block_actions', actions: [button({ request_id: id, answer: 'x' })] }),
      JSON.stringify({ type: 'block_actions', user, actions: [] }),
      JSON.stringify({ type: 'block_actions', user, actions: [button({ answer: 'approve' })] }),
      JSON.stringify({ type: 'block_actions', user, actions: [button({ request_id: id })] }),
      JSON.stringify({
        type: 'block_actions',
        user,
        actions: [{ type: 'plain_text_input', value: 'no request' }],
      }),
      JSON.stringify({ type: 'block_actions', user, actions: [{ type: 'button', value: 'plain' }] }),
    ]) {
      expect(slackAnswerOf(payload), payload).toBeNull();
    }
  });

  it('keeps only an http(s) response_url', () => {
    const payload = {
      type: 'block_actions',
      user,
      response_url: 'file:///etc/passwd',
      actions: [{ type: 'button', value: JSON.stringify({ request_id: id, answer: 'approve' }) }],
    };
    expect(slackAnswerOf(JSON.stringify(payload))?.responseUrl).toBeUndefined();
  });
});
