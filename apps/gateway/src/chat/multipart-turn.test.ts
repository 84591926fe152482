import { buildApp as buildChat } from '@switchboard/chat/app';
import type { ChatMessage } from '@switchboard/contracts/chat';
import { loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { testEnv } from '@switchboard/testkit/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildGateway } from '../app.js';

/** 000's chat page posted `message`, `session_id` and a `file` as multipart (dispatch A3). */
describe('000 multipart chat turns', () => {
  const redisFixture = usePrivateRedis();
  let gateway: ServiceBase;
  let chat: ServiceBase;
  let base: string;
  let token: string;

  beforeAll(async () => {
    const config = loadConfig(
      testEnv(redisFixture.redis, {
        JWT_SECRET: 'multipart-tests-secret-long-enough-0123456789',
        RATE_LIMIT_PER_IP: '100000',
        RATE_LIMIT_PER_USER: '100000',
      }),
    );
    [gateway, chat] = await Promise.all([buildGateway(config), buildChat(config)]);
    base = await gateway.start(0);
    const registered = await fetch(`${base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ops@example.com', username: 'ops', password: 'long enough 1' }),
    });
    token = ((await registered.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await gateway?.stop('test over');
    await chat?.stop('test over');
  });

  function post(form: FormData) {
    return fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
  }

  it('folds the file’s first 1,000 characters into the message, and answers as for JSON', async () => {
    const form = new FormData();
    form.set('message', 'What does this notice say?');
    form.set('session_id', 'ops-desk-1');
    form.set(
      'file',
      new Blob([`Dispatch notice. ${'x'.repeat(2_000)}`], { type: 'text/plain' }),
      'notice.txt',
    );
    const response = await post(form);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { success: boolean; session_id: string; response: string };
    expect(answer).toMatchObject({ success: true, session_id: 'ops-desk-1' });
    expect(answer.response).not.toBe('');

    const session = await fetch(`${base}/api/sessions/ops-desk-1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const [asked] = ((await session.json()) as { messages: ChatMessage[] }).messages;
    expect(asked?.content).toMatch(
      /^What does this notice say\?\n\n\[Attached file: notice\.txt\]\nDispatch notice\. x+\.\.\.$/,
    );
    expect(asked?.content.length).toBeLessThan(1_100);
  });

  it('refuses a binary file (415), a second file (413, over the upload limit) and a message-less, file-less form (400)', async () => {
    const binary = new FormData();
    binary.set('message', 'look');
    binary.set('session_id', 'ops-desk-2');
    binary.set('file', new Blob([Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00])]), 'contacts.xlsx');
    const refused = await post(binary);
    expect(refused.status).toBe(415);
    expect(await refused.json()).toMatchObject({ success: false, code: 'SB_UNSUPPORTED_MEDIA_TYPE' });

    const two = new FormData();
    two.set('message', 'look');
    two.append('file', new Blob(['a']), 'a.txt');
    two.append('file', new Blob(['b']), 'b.txt');
    expect((await post(two)).status).toBe(413);

    const empty = new FormData();
    empty.set('session_id', 'ops-desk-3');
    const blank = await post(empty);
    expect(blank.status).toBe(400);
    expect(await blank.json()).toMatchObject({ code: 'SB_VALIDATION', error: 'Message is required' });
  });
});
