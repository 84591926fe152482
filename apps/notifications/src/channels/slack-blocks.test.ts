import type { OutgoingMessage } from '@switchboard/contracts/notifications';
import { describe, expect, it } from 'vitest';
import { resolvedMessage } from './feedback-resolution.js';
import { escapeMrkdwn, fallbackText, messageBlocks } from './slack-blocks.js';

const question: OutgoingMessage = {
  subject: 'Your answer is needed',
  text: 'Drop table?',
  feedback: {
    request_id: 'fr-1',
    question: 'Drop <!channel> & <https://evil.example|orders>?',
    options: ['approve', 'reject', 'later'],
    allow_free_text: true,
    answer_url: 'https://sb.example/f/tok',
    expires_at: '2025-01-04T10:00:03Z',
  },
};

const types = (blocks: Array<Record<string, unknown>>) => blocks.map((block) => block.type);

describe('Slack blocks', () => {
  it('escape what Slack would read as mentions and links', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });

  it('ask a question with one button per option, a free-text input and the expiry', () => {
    const blocks = messageBlocks(question);
    expect(types(blocks)).toEqual(['header', 'section', 'actions', 'input', 'context']);
    expect(blocks[1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: 'Drop &lt;!channel&gt; &amp; &lt;https://evil.example|orders&gt;?' },
    });
    expect(blocks[2]).toMatchObject({ block_id: 'feedback_fr-1' });
    const buttons = blocks[2]!.elements as Array<Record<string, unknown>>;
    expect(buttons.map((button) => [button.action_id, button.style])).toEqual([
      ['answer_0', 'primary'],
      ['answer_1', 'danger'],
      ['answer_2', undefined],
    ]);
    expect(JSON.parse(buttons[2]!.value as string)).toEqual({ request_id: 'fr-1', answer: 'later' });
    expect(blocks[3]).toMatchObject({
      block_id: 'feedback_text_fr-1',
      dispatch_action: true,
      element: {
        type: 'plain_text_input',
        action_id: 'answer_text',
        dispatch_action_config: { trigger_actions_on: ['on_enter_pressed'] },
      },
    });
    const context = (blocks[4]!.elements as Array<{ text: string }>)[0]!.text;
    expect(context).toBe(
      'Expires <!date^1735984803^{date_short_pretty} at {time}|2025-01-04 10:00 UTC> · Request `fr-1`',
    );
  });

  it('leave out the input when free text is not allowed, and stay within Slack limits', () => {
    const many = Array.from({ length: 30 }, (_, index) => `option ${index} ${'x'.repeat(80)}`);
    const blocks = messageBlocks({
      ...question,
      feedback: { ...question.feedback!, options: many, allow_free_text: false },
    });
    expect(types(blocks)).toEqual(['header', 'section', 'actions', 'context']);
    const buttons = blocks[2]!.elements as Array<{ text: { text: string } }>;
    expect(buttons).toHaveLength(25);
    expect(buttons[0]!.text.text).toHaveLength(75);
  });

  it('show who answered how once settled, with no buttons left', () => {
    const answered = messageBlocks(
      resolvedMessage(question, {
        status: 'answered',
        answer: 'approve',
        answered_by: 'U0BOB',
        via: 'slack',
      }),
    );
    expect(types(answered)).toEqual(['header', 'section', 'section']);
    expect((answered[2]!.text as { text: string }).text).toBe('✅ Answered by <@U0BOB> via Slack: *approve*');
    const byEmail = messageBlocks(
      resolvedMessage(question, {
        status: 'answered',
        answer: 'no',
        answered_by: '<b>eve</b>',
        via: 'email',
      }),
    );
    expect((byEmail[2]!.text as { text: string }).text).toBe(
      '✅ Answered by &lt;b&gt;eve&lt;/b&gt; via email: *no*',
    );
    const expired = resolvedMessage(question, { status: 'expired' });
    expect((messageBlocks(expired)[2]!.text as { text: string }).text).toBe('⌛ Expired without an answer');
    expect(fallbackText(expired)).toBe('Expired without an answer');
  });

  it('show a plain notification as one section', () => {
    const blocks = messageBlocks({ subject: 'Order <1234>', text: 'Created' });
    expect(blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '*Order &lt;1234&gt;*\nCreated' } },
    ]);
  });
});
