import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutgoingMessage } from '@switchboard/contracts/notifications';
import { describe, expect, it } from 'vitest';
import { ChannelError } from './channel.js';
import { composeEmail } from './email-content.js';
import { loadEmailTemplates } from './email-templates.js';
import { resolvedMessage } from './feedback-resolution.js';

const templates = loadEmailTemplates();

const question: OutgoingMessage = {
  subject: 'Your answer is needed',
  text: 'Drop table orders_stg?',
  feedback: {
    request_id: 'fr-1',
    question: 'Drop <script>alert(1)</script> & "orders_stg"?',
    options: ['approve', 'reject & <b>stop</b>'],
    allow_free_text: true,
    answer_url: 'https://sb.example/f/tok123',
    expires_at: '2025-01-04T10:00:03.000Z',
  },
};

describe('email templates', () => {
  it('ships the generic, question, answer and lead templates', () => {
    expect([...templates.names].sort()).toEqual([
      'feedback-request',
      'feedback-resolved',
      'lead-captured',
      'notification',
    ]);
  });

  it('escapes what a question carries in the HTML, and keeps it readable in the text', () => {
    const email = composeEmail(templates, question);
    expect(email.subject).toBe('Your answer is needed');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;orders_stg&quot;?');
    expect(email.html).toContain('reject &amp; &lt;b&gt;stop&lt;/b&gt;');
    expect(email.html).not.toContain('<b>stop</b>');
    expect(email.text).toContain('Drop <script>alert(1)</script> & "orders_stg"?');
    expect(email.text).toContain('This request expires on 2025-01-04 10:00 UTC.');
    expect(email.text).toContain('Request fr-1');
  });

  it('links each option to the answer page with the option preselected', () => {
    const email = composeEmail(templates, question);
    const approve = 'https://sb.example/f/tok123?answer=approve';
    const reject = `https://sb.example/f/tok123?answer=${new URLSearchParams({ a: 'reject & <b>stop</b>' }).toString().slice(2)}`;
    expect(email.text).toContain(`- approve: ${approve}`);
    expect(email.text).toContain(`- reject & <b>stop</b>: ${reject}`);
    // Handlebars escapes `=` in attributes; a browser reads the entity back.
    expect(email.html).toContain(`href="${approve.replace(/=/g, '&#x3D;')}"`);
    expect(email.html).toContain('Write your own answer');
  });

  it('renders the generic notification with paragraphs and simple data', () => {
    const email = composeEmail(templates, {
      subject: 'Order 1234 <created>',
      text: 'Customer created.\n\nPlans added.',
      data: { orderref: '1234', nested: { no: true } },
    });
    expect(email.subject).toBe('Order 1234 <created>');
    expect(email.html).toContain('<title>Order 1234 &lt;created&gt;</title>');
    expect(email.html.match(/<p style="margin:0 0 14px;white-space:pre-line;">/g)).toHaveLength(2);
    expect(email.html).toContain('orderref');
    expect(email.html).not.toContain('nested');
    expect(email.text).toContain('orderref: 1234');
  });

  it('uses caller-rendered HTML as given, and says who answered in the follow-up', () => {
    expect(composeEmail(templates, { subject: 's', text: 't', html: '<p>mine</p>' }).html).toBe(
      '<p>mine</p>',
    );
    const answered = composeEmail(
      templates,
      resolvedMessage(question, {
        status: 'answered',
        answer: 'approve',
        answered_by: 'alice@x.io',
        via: 'slack',
      }),
    );
    expect(answered.text).toContain('Answered by alice@x.io via Slack.');
    expect(answered.text).toContain('Answer: approve');
    expect(answered.html).toContain('<strong>approve</strong>');
  });

  it('renders the lead email of the lead bot with its own subject, escaped', () => {
    const email = composeEmail(templates, {
      subject: 'ignored',
      text: 'New lead',
      template: 'lead-captured',
      data: {
        name: 'Bob <img src=x onerror=alert(1)>',
        email: 'bob@x.io',
        income: '$150k',
        session_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
        started_at: '2025-01-02T10:00:00Z',
        completed_at: '2025-01-02T10:05:00Z',
        status: 'complete',
      },
    });
    expect(email.subject).toBe('New User Data Collected - Session 0f8fad5b');
    expect(email.html).toContain('Bob &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(email.text).toContain('Income Level: $150k');
    expect(email.text).toContain('Completed: 2025-01-02 10:05 UTC');
    expect(email.text).toContain('Status: complete');
  });

  it('refuses an unknown template and a bad answer link as permanent failures', () => {
    const unknown = () => composeEmail(templates, { subject: 's', text: 't', template: 'nope' });
    expect(unknown).toThrow(ChannelError);
    expect(unknown).toThrow(/No email template named nope/);
    const badLink = { ...question, feedback: { ...question.feedback!, answer_url: '/f/relative' } };
    expect(() => composeEmail(templates, badLink)).toThrow(expect.objectContaining({ permanent: true }));
  });

  it('refuses at load a template without its text part', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-templates-'));
    writeFileSync(join(dir, 'half.html.hbs'), '<p>{{text}}</p>');
    expect(() => loadEmailTemplates(dir)).toThrow(/half has HTML but no half.txt.hbs/);
    writeFileSync(join(dir, 'half.txt.hbs'), '{{#if}}');
    expect(() => loadEmailTemplates(dir)).toThrow();
  });
});
