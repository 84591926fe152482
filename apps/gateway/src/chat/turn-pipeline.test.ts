import type { TurnPayload } from '@switchboard/contracts/chat';
import { errorBodyValidator } from '@switchboard/contracts/errors';
import { queues } from '@switchboard/contracts/queues';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { ChatTurnStore } from '@switchboard/stores/chat-turns';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import { LeadStore } from '@switchboard/stores/leads';
import type { CompletionBody, OpenAiRequest } from '@switchboard/testkit/fake-openai';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Block, parseSse, SseClient } from '../realtime/test-fixtures/sse-client.js';
import { type Frame, TestSocket } from '../realtime/test-fixtures/test-socket.js';
import {
  bearer,
  type OpenedSession,
  operatorEmail,
  type PipelineRig,
  startPipelineRig,
} from './test-fixtures/pipeline-rig.js';

/** Long enough for a slow scripted reply on a loaded machine; no assertion depends on it. */
const waitMs = 10_000;

/** Twenty distinct pieces, so a chunk delivered twice or out of order shows in the joined text. */
const twentyDeltas = Array.from({ length: 20 }, (_, i) => `piece${String(i).padStart(2, '0')} `);
const twentyText = twentyDeltas.join('');

const bodyOf = (request: OpenAiRequest) => request.body as CompletionBody;
const lastUserMessage = (request: OpenAiRequest) =>
  [...bodyOf(request).messages].reverse().find((message) => message.role === 'user')?.content;

describe('chat turn pipeline through the openai SDK and the fake OpenAI server', () => {
  const redisFixture = usePrivateRedis();
  let rig: PipelineRig;
  let turns: ChatTurnStore;
  let leads: LeadStore;
  let deliveries: DeliveryStore;
  let userToken: string;

  beforeAll(async () => {
    rig = await startPipelineRig(redisFixture.redis);
    const { redis, keys } = rig.gateway;
    turns = new ChatTurnStore(redis, keys, rig.config.sessions.idleTtlS);
    leads = new LeadStore(redis, keys, rig.config.sessions.idleTtlS);
    deliveries = new DeliveryStore(redis, keys);
    await rig.register('root'); // the first user is the admin; the agent's owner is a plain user
    userToken = await rig.register('dana');
  });
  afterAll(async () => {
    await rig?.stop();
  });

  /** `POST /api/chat` for a session, with its token (or a user's). */
  const chatTurn = (session: OpenedSession, body: Record<string, unknown>, via?: ServiceBase) =>
    rig.inject(
      {
        method: 'POST',
        url: '/api/chat',
        headers: bearer(session.token),
        payload: { session_id: session.id, ...body },
      },
      via,
    );

  /** The completion requests the fake saw from here on. */
  const requestsSince = () => {
    const before = rig.fake.completionRequests().length;
    return () => rig.fake.completionRequests().slice(before);
  };

  /** Frames of one turn on a `/ws/:session_id` socket up to its `message` (or `error`), chunks in arrival order. */
  async function readTurn(socket: TestSocket, take = Number.POSITIVE_INFINITY) {
    const chunks: Frame[] = [];
    while (chunks.length < take) {
      const frame = await socket.next((candidate) => candidate.type !== 'greeting', waitMs);
      if (frame.type !== 'chunk') return { chunks, end: frame };
      chunks.push(frame);
    }
    return { chunks, end: undefined };
  }

  const joined = (chunks: Array<{ content?: unknown }>) => chunks.map((chunk) => chunk.content).join('');

  it('streams the deltas to a /ws/:session_id client in order, then the whole message, and stores it', async () => {
    const session = await rig.openSession();
    const seen = requestsSince();
    // Paced like a model's tokens, so the reply visibly streams (deltas that arrive together are batched).
    rig.fake.enqueueFault({ type: 'slow', chunkDelayMs: 60 });
    rig.fake.enqueueReply({ deltas: twentyDeltas });
    const socket = await TestSocket.open(rig.ws(`/ws/${session.id}?token=${session.token}`));
    expect(await socket.next()).toMatchObject({ type: 'greeting', is_complete: false });

    socket.send({ message: 'Tell me about momentum trading' });
    const { chunks, end } = await readTurn(socket);
    socket.close();

    // Several frames, each whole deltas, in order: together exactly the scripted text.
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.content).toMatch(/^(piece\d\d )+$/);
    expect(joined(chunks)).toBe(twentyText);
    const turnId = chunks[0]!.turn_id as string;
    expect(chunks.every((chunk) => chunk.turn_id === turnId)).toBe(true);
    expect(end).toMatchObject({ type: 'message', message: twentyText, turn_id: turnId });

    expect(seen()).toHaveLength(1);
    expect(bodyOf(seen()[0]!)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(lastUserMessage(seen()[0]!)).toBe('Tell me about momentum trading');
    const stored = await rig.messages(session);
    expect(stored.slice(-2)).toMatchObject([
      { id: `${turnId}:user`, role: 'user', content: 'Tell me about momentum trading' },
      { id: `${turnId}:assistant`, role: 'assistant', content: twentyText, turn_id: turnId },
    ]);
    expect(stored.at(-1)?.incomplete).toBeUndefined();
  });

  it('retries a 429 from the model and answers with the reply', async () => {
    const session = await rig.openSession();
    const seen = requestsSince();
    rig.fake.enqueueFault({ type: 'rate_limited', retryAfterS: 0.05 });
    rig.fake.enqueueReply({ deltas: ['Retried ', 'and ', 'answered.'] });

    const response = await chatTurn(session, { message: 'What is a PEG ratio?' });

    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ success: true, response: 'Retried and answered.' });
    expect(seen()).toHaveLength(2);
    expect(seen().map(lastUserMessage)).toEqual(['What is a PEG ratio?', 'What is a PEG ratio?']);
  });

  it('ends a turn whose stream is cut with an error event and stores the partial reply as incomplete', async () => {
    const session = await rig.openSession();
    // The role chunk, then three deltas; the connection drops before the fourth.
    rig.fake.enqueueFault({ type: 'cut', afterChunks: 4 });
    rig.fake.enqueueReply({ deltas: ['Stocks ', 'rose ', 'sharply ', 'today ', 'on news.'] });

    const streamed = await rig.inject({
      method: 'POST',
      url: '/api/chat/stream',
      headers: bearer(session.token),
      payload: { session_id: session.id, message: 'What happened to stocks?' },
    });

    expect(streamed.statusCode).toBe(200);
    expect(streamed.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const frames = parseSse(streamed.body);
    const types = frames.map((frame) => frame.data.type);
    expect(types.at(-1)).toBe('error');
    expect(types.slice(0, -1).every((type) => type === 'chunk')).toBe(true);
    // Each frame has the id a resend would resume after.
    expect(frames.every((frame) => frame.id !== undefined)).toBe(true);
    expect(joined(frames.slice(0, -1).map((frame) => frame.data))).toBe('Stocks rose sharply ');
    expect(frames.at(-1)!.data).toMatchObject({
      type: 'error',
      code: 'SB_UPSTREAM',
      message: expect.any(String),
    });
    const turnId = frames[0]!.data.turn_id as string;
    const stored = await rig.messages(session);
    expect(stored.at(-1)).toMatchObject({
      id: `${turnId}:assistant`,
      role: 'assistant',
      content: 'Stocks rose sharply ',
      incomplete: true,
    });

    rig.fake.enqueueFault({ type: 'cut', afterChunks: 3 });
    rig.fake.enqueueReply({ deltas: ['Bonds ', 'fell ', 'too.'] });
    const answered = await chatTurn(session, { message: 'And bonds?' });
    expect(answered.statusCode, answered.body).toBe(502);
    const body = answered.json();
    expect(errorBodyValidator.Check(body)).toBe(true);
    expect(body).toMatchObject({ success: false, code: 'SB_UPSTREAM' });
    expect((await rig.messages(session)).at(-1)).toMatchObject({
      role: 'assistant',
      content: 'Bonds fell ',
      incomplete: true,
    });
  });

  it('resumes a /ws/:session_id client after its last event id without losing or repeating a chunk', async () => {
    const session = await rig.openSession();
    rig.fake.enqueueFault({ type: 'slow', chunkDelayMs: 40 });
    rig.fake.enqueueReply({ deltas: twentyDeltas });
    const url = rig.ws(`/ws/${session.id}?token=${session.token}`);

    const first = await TestSocket.open(url);
    expect(await first.next()).toMatchObject({ type: 'greeting' });
    first.send({ message: 'Explain position sizing' });
    const before = (await readTurn(first, 3)).chunks;
    first.close();
    await first.closed;
    const lastEventId = before.at(-1)!.event_id as string;

    const again = await TestSocket.open(`${url}&last_event_id=${lastEventId}`);
    expect(await again.next()).toMatchObject({ type: 'greeting' });
    const { chunks: after, end } = await readTurn(again);
    again.close();

    expect(joined(before) + joined(after)).toBe(twentyText);
    expect(end).toMatchObject({ type: 'message', message: twentyText });
    const ids = [...before, ...after].map((chunk) => chunk.event_id as string);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resumes GET /api/sessions/:id/events with Last-Event-ID without losing or repeating a chunk', async () => {
    const session = await rig.openSession();
    rig.fake.enqueueFault({ type: 'slow', chunkDelayMs: 40 });
    rig.fake.enqueueReply({ deltas: twentyDeltas });
    const url = rig.http(`/api/sessions/${session.id}/events`);
    const headers = bearer(session.token);
    const opened: SseClient[] = [];
    /** Chunk events up to the turn's `message` event, or `take` chunks. */
    const readEvents = async (stream: SseClient, take = Number.POSITIVE_INFINITY) => {
      const chunks: Block[] = [];
      let end: Block | undefined;
      while (chunks.length < take && end === undefined) {
        const event = await stream.event();
        if (event.event === 'chunk') chunks.push(event);
        else if (event.event === 'message' || event.event === 'error') end = event;
      }
      return { chunks, end };
    };

    try {
      // `0-0`: everything the new session's stream holds, so nothing depends on when it subscribed.
      const first = new SseClient(url, { ...headers, 'last-event-id': '0-0' });
      opened.push(first);
      expect((await first.response).statusCode).toBe(200);
      const reply = chatTurn(session, { message: 'Explain stop losses' });
      const before = (await readEvents(first, 3)).chunks;
      first.close();

      const again = new SseClient(url, { ...headers, 'last-event-id': before.at(-1)!.id! });
      opened.push(again);
      const { chunks: after, end } = await readEvents(again);

      expect(joined([...before, ...after].map((event) => event.data as { content?: unknown }))).toBe(
        twentyText,
      );
      expect(end).toMatchObject({ event: 'message', data: { message: twentyText } });
      const ids = [...before, ...after].map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length);
      const answered = await reply;
      expect(answered.statusCode, answered.body).toBe(200);
      expect(answered.json().response).toBe(twentyText);
    } finally {
      for (const stream of opened) stream.close();
    }
  });

  it('answers two messages sent at once to one session in order, the second after the first', async () => {
    const session = await rig.openSession();
    const seen = requestsSince();
    // Faults apply per request in order: only the first reply is slow.
    rig.fake.enqueueFault({ type: 'slow', firstByteDelayMs: 400 });
    rig.fake.enqueueReply({ deltas: ['first ', 'reply'] }, { deltas: ['second ', 'reply'] });

    const first = chatTurn(session, { message: 'one', client_message_id: 'order-1' });
    await expect.poll(() => turns.get(session.id, 'order-1'), { timeout: waitMs }).not.toBeNull();
    const second = chatTurn(session, { message: 'two', client_message_id: 'order-2' });
    const [one, two] = await Promise.all([first, second]);

    expect(one.statusCode, one.body).toBe(200);
    expect(two.statusCode, two.body).toBe(200);
    expect(one.json()).toMatchObject({ response: 'first reply', turn_id: 'order-1' });
    expect(two.json()).toMatchObject({ response: 'second reply', turn_id: 'order-2' });
    const conversation = (await rig.messages(session)).filter((message) => message.turn_id !== undefined);
    expect(conversation.map(({ role, content }) => ({ role, content }))).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'first reply' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'second reply' },
    ]);
    // The second request was made once the first exchange was stored: it carries it as history.
    expect(seen().map(lastUserMessage)).toEqual(['one', 'two']);
    const secondPrompt = bodyOf(seen()[1]!)
      .messages.filter(({ role }) => role === 'user' || role === 'assistant')
      .map(({ role, content }) => ({ role, content }));
    expect(secondPrompt.slice(-3)).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'first reply' },
      { role: 'user', content: 'two' },
    ]);
  });

  it('runs a client_message_id sent twice as one turn and answers both the same', async () => {
    const session = await rig.openSession();
    const seen = requestsSince();
    rig.fake.enqueueFault({ type: 'slow', firstByteDelayMs: 200 });
    rig.fake.enqueueReply({ deltas: ['Only ', 'once.'] });
    const send = () => chatTurn(session, { message: 'Say it once', client_message_id: 'same-1' });

    const [a, b] = await Promise.all([send(), send()]);
    const later = await send();

    expect(a.statusCode, a.body).toBe(200);
    expect(a.json()).toMatchObject({ response: 'Only once.', turn_id: 'same-1' });
    expect(b.json()).toEqual(a.json());
    expect(later.json()).toEqual(a.json());
    expect(seen()).toHaveLength(1);
    const ofTurn = (await rig.messages(session)).filter((message) => message.turn_id === 'same-1');
    expect(ofTurn.map((message) => message.role)).toEqual(['user', 'assistant']);
  });

  it('gives a resent /api/chat/stream turn that is still running the whole reply, not just what is left', async () => {
    const session = await rig.openSession();
    rig.fake.enqueueFault({ type: 'slow', chunkDelayMs: 60 });
    rig.fake.enqueueReply({ deltas: twentyDeltas });
    const stream = (body: Record<string, unknown>) =>
      rig.inject({
        method: 'POST',
        url: '/api/chat/stream',
        headers: bearer(session.token),
        payload: { session_id: session.id, ...body },
      });
    const first = stream({ message: 'Tell me a long story', client_message_id: 'resent-1' });
    // The first request's reply is under way when the same turn is sent again.
    await expect
      .poll(async () => (await rig.messages(session)).some((message) => message.turn_id === 'resent-1'))
      .toBe(true);
    const again = await stream({ message: 'Tell me a long story', client_message_id: 'resent-1' });

    for (const response of [await first, again]) {
      const frames = parseSse(response.body);
      expect(frames.at(-1)?.data.type).toBe('done');
      expect(joined(frames.filter((frame) => frame.data.type === 'chunk').map((frame) => frame.data))).toBe(
        twentyText,
      );
    }
  });

  it('keeps a session deleted mid-turn out of a new session that takes its id, whatever the message ids', async () => {
    const alice = await rig.register('alice-reuse');
    const bob = await rig.register('bob-reuse');
    const asUser = (token: string, body: Record<string, unknown>) =>
      rig.inject({ method: 'POST', url: '/chat', headers: bearer(token), payload: body });
    rig.fake.enqueueFault({ type: 'slow', firstByteDelayMs: 600 });
    rig.fake.enqueueReply({ deltas: ['ALICE ', 'SECRET ', 'REPLY'] });
    rig.fake.enqueueReply({ deltas: ['Hello ', 'Bob.'] });

    const aliceTurn = asUser(alice, {
      session_id: 'shared-desk',
      message: 'My private question',
      client_message_id: 'm-1',
    });
    const shared = { id: 'shared-desk', token: alice };
    await expect.poll(async () => (await rig.messages(shared)).length).toBe(1);
    const deleted = await rig.inject({
      method: 'DELETE',
      url: '/api/sessions/shared-desk',
      headers: bearer(alice),
    });
    expect(deleted.statusCode).toBe(200);

    // Bob takes the id at once, with the same client message id: his own turn, not Alice's reply.
    const bobTurn = await asUser(bob, {
      session_id: 'shared-desk',
      message: 'Hi there',
      client_message_id: 'm-1',
    });
    expect(bobTurn.statusCode, bobTurn.body).toBe(200);
    expect(bobTurn.json().response).toBe('Hello Bob.');
    // Alice still gets the reply she asked for; it is stored nowhere, since her session is gone.
    expect((await aliceTurn).json().response).toBe('ALICE SECRET REPLY');

    const bobs = { id: 'shared-desk', token: bob };
    expect((await rig.messages(bobs)).map((message) => message.content)).toEqual(['Hi there', 'Hello Bob.']);
    const events = await rig.inject({
      method: 'GET',
      url: '/api/sessions/shared-desk/events?last_event_id=0-0',
      headers: bearer(bob),
      payloadAsStream: true,
    });
    let seen = '';
    const body = events.stream();
    body.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
    });
    await expect.poll(() => seen.includes('Hello Bob.')).toBe(true);
    body.destroy();
    expect(seen).not.toContain('ALICE');
    expect(seen).not.toContain('My private question');
  });

  it('answers 504 SB_TIMEOUT past CHAT_DEADLINE_MS and still adds the reply to the history', async () => {
    const session = await rig.openSession();
    rig.fake.enqueueFault({ type: 'slow', firstByteDelayMs: 1_500 });
    rig.fake.enqueueReply({ deltas: ['Late ', 'but ', 'here.'] });

    const response = await chatTurn(session, { message: 'Take your time' }, rig.hurried);

    expect(response.statusCode, response.body).toBe(504);
    const body = response.json();
    expect(errorBodyValidator.Check(body)).toBe(true);
    expect(body).toMatchObject({
      success: false,
      code: 'SB_TIMEOUT',
      details: { turn_id: expect.any(String) },
    });
    const turnId = body.details.turn_id as string;
    await expect
      .poll(
        async () =>
          (await rig.messages(session)).find(
            (message) => message.turn_id === turnId && message.role === 'assistant',
          ),
        {
          timeout: waitMs,
        },
      )
      .toMatchObject({ content: 'Late but here.' });
  });

  /** A lead session whose one turn (`turnId`) completes the lead; resolves once its operator email arrived. */
  async function completeLead(turnId: string) {
    const session = await rig.openSession();
    const leadMails = () =>
      rig.sink.messages.filter(
        (mail) => mail.envelope.to.includes(operatorEmail) && mail.text?.includes(session.id),
      );
    const message = "Hi, I'm Bob Stone. My email is bob.stone@example.com and my income is $150k";
    rig.fake.enqueueReply({ deltas: ['Thanks, ', 'Bob.'] });
    const response = await chatTurn(session, { message, client_message_id: turnId });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      is_complete: true,
      email_sent: true,
      data_collected: { name: true, email: true, income: true },
    });
    await expect.poll(() => leadMails().length, { timeout: waitMs }).toBe(1);
    const lead = await leads.get(session.id);
    expect(lead).toMatchObject({ status: 'complete', email: 'bob.stone@example.com' });
    const record = await turns.get(session.id, turnId);
    // The job the gateway queued for the turn, as a retry would carry it again.
    const payload: TurnPayload = {
      turn_id: turnId,
      session_id: session.id,
      seq: record!.seq,
      assistant: 'lead',
      message,
    };
    return { session, response, payload, lead: lead!, leadMails };
  }

  /** Resolves once no notification job is waiting or running: nothing queued so far can still send. */
  const notificationsSettled = () =>
    expect
      .poll(
        () =>
          rig.gateway
            .producer(queues.notifications)
            .queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized'),
        { timeout: waitMs },
      )
      .toBe(0);

  /** The statuses of the lead email's delivery timeline (delivery id `lead-<session id>`). */
  const leadDelivery = async (sessionId: string) =>
    (await deliveries.timeline(`lead-${sessionId}`))?.map((event) => event.status);

  it('sends one operator email per completed lead when the completing turn is sent or queued again', async () => {
    const completedBefore = await leads.countCompleted();
    const { session, response, payload, lead, leadMails } = await completeLead('lead-done');

    // A resend of the same client message id is the same turn.
    const resent = await chatTurn(session, { message: payload.message, client_message_id: 'lead-done' });
    expect(resent.json()).toEqual(response.json());

    // The same job payload again under another job id, as a duplicated job would be.
    const chatJobs = rig.gateway.producer(queues.chat);
    const duplicate = await chatJobs.add('turn', payload, { requestId: 'dup', jobId: 'lead-done-duplicate' });
    expect(await chatJobs.waitFor(duplicate, waitMs)).toMatchObject({
      turn_id: 'lead-done',
      response: response.json().response,
    });

    await notificationsSettled();
    expect(leadMails()).toHaveLength(1);
    expect(await leadDelivery(session.id)).toEqual(['queued', 'sending', 'sent']);
    expect(await leads.countCompleted()).toBe(completedBefore + 1);
    expect(await leads.get(session.id)).toMatchObject({
      status: 'complete',
      completed_at: lead.completed_at,
    });
  });

  it('sends no second email and stores the reply once when a worker dies after completing the lead', async () => {
    const completedBefore = await leads.countCompleted();
    const { session, payload, lead, leadMails } = await completeLead('lead-crash');

    // What a worker that died after completing the lead, before recording the turn, leaves behind;
    // BullMQ then runs the stalled job again.
    const record = await turns.get(session.id, 'lead-crash');
    await redisFixture.client.hset(
      rig.gateway.keys.key('turns', session.id),
      't:lead-crash',
      JSON.stringify({ seq: record!.seq, status: 'queued', accepted_at: Date.now() }),
      'done',
      String(record!.seq - 1),
    );
    const chatJobs = rig.gateway.producer(queues.chat);
    const rerun = await chatJobs.add('turn', payload, { requestId: 'rerun', jobId: 'lead-crash-rerun' });
    expect(await chatJobs.waitFor(rerun, waitMs)).toMatchObject({ turn_id: 'lead-crash', is_complete: true });

    await notificationsSettled();
    // Soft, so each thing a re-run gets wrong is reported, not only the first.
    expect.soft(leadMails()).toHaveLength(1);
    expect.soft(await leads.countCompleted()).toBe(completedBefore + 1);
    expect.soft(await leads.get(session.id)).toMatchObject({
      status: 'complete',
      completed_at: lead.completed_at,
    });
    // The email was sent once: its delivery must not read as queued again.
    expect.soft(await leadDelivery(session.id)).toEqual(['queued', 'sending', 'sent']);
    const ofTurn = (await rig.messages(session)).filter((entry) => entry.turn_id === 'lead-crash');
    expect.soft(ofTurn.map((entry) => entry.role)).toEqual(['user', 'assistant']);
  });

  it("opens a feedback request when the agent's model calls request_human_feedback", async () => {
    const session = await rig.openSession(userToken, { assistant: 'agent' });
    const seen = requestsSince();
    const question = 'Drop the staging database "orders_stage"? It cannot be undone.';
    const args = JSON.stringify({ question, options: ['approve', 'reject'] });
    rig.fake.enqueueReply({
      toolCalls: [
        {
          name: 'request_human_feedback',
          arguments: args,
          argumentChunks: [args.slice(0, 7), args.slice(7, 30), args.slice(30)],
        },
      ],
    });

    const response = await chatTurn(session, { message: 'Please drop the staging database' });

    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ success: true, awaiting_feedback: { request_id: expect.any(String) } });
    const requestId = body.awaiting_feedback.request_id as string;
    expect(bodyOf(seen()[0]!).tools).toEqual([
      expect.objectContaining({
        type: 'function',
        function: expect.objectContaining({ name: 'request_human_feedback' }),
      }),
    ]);
    const feedback = await rig.inject({
      method: 'GET',
      url: `/api/feedback-requests/${requestId}`,
      headers: bearer(userToken),
    });
    expect(feedback.statusCode, feedback.body).toBe(200);
    expect(feedback.json()).toMatchObject({
      id: requestId,
      status: 'pending',
      question,
      options: ['approve', 'reject'],
    });
    expect((await rig.messages(session)).at(-1)).toMatchObject({
      role: 'assistant',
      content: body.response,
      feedback_request_id: requestId,
    });
  });
});
