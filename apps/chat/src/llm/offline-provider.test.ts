import { describe, expect, it } from 'vitest';
import type { Grounding, LlmEvent, LlmMessage, LlmRequest, LlmTool } from './llm-port.js';
import { createOfflineProvider } from './offline-provider.js';

const feedbackTool: LlmTool = {
  name: 'request_human_feedback',
  description: 'Ask a person',
  parameters: { type: 'object' },
};

function request(
  grounding: Partial<Grounding> & { userMessage: string },
  extra: Partial<LlmRequest> = {},
): LlmRequest {
  return {
    model: 'ignored',
    temperature: 0.7,
    messages: [
      { role: 'system', content: 'persona' },
      { role: 'user', content: grounding.userMessage },
    ],
    grounding: { assistant: 'general', passages: [], ...grounding },
    ...extra,
  };
}

async function run(input: LlmRequest) {
  const events: LlmEvent[] = [];
  for await (const event of createOfflineProvider().stream(input)) events.push(event);
  const text = events.map((event) => (event.type === 'delta' ? event.content : '')).join('');
  return { events, text };
}

const passages = [
  {
    source: 'knowledge_base.txt',
    chunk: 3,
    score: 0.9,
    excerpt:
      'The PEG ratio divides the P/E ratio by the growth rate. Below 1 can mean cheap growth. More text here.',
  },
  { source: 'rules.txt', chunk: 0, score: 0.5, excerpt: 'Cut your losers fast and let your winners run.' },
  { source: 'other.txt', chunk: 1, score: 0.1, excerpt: 'A third passage that is not quoted.' },
];

describe('offline provider', () => {
  it('is deterministic, streams several deltas and reports a token estimate', async () => {
    const input = request({ userMessage: 'What is a PEG ratio?', passages });
    const first = await run(input);
    const second = await run(input);
    expect(second.events).toEqual(first.events);
    const deltas = first.events.filter((event) => event.type === 'delta');
    expect(deltas.length).toBeGreaterThan(3);
    const done = first.events.at(-1);
    expect(done).toEqual({
      type: 'done',
      model: 'offline',
      finishReason: 'stop',
      usage: {
        prompt_tokens: Math.ceil('persona\nWhat is a PEG ratio?'.length / 4),
        completion_tokens: Math.ceil(first.text.length / 4),
        total_tokens:
          Math.ceil('persona\nWhat is a PEG ratio?'.length / 4) + Math.ceil(first.text.length / 4),
      },
    });
  });

  it('quotes the top passages with their sources and says it is offline on a first reply', async () => {
    const { text } = await run(request({ userMessage: 'What is a PEG ratio?', passages }));
    expect(text.split('\n')[0]).toMatch(/offline/i);
    expect(text).toContain(
      'From knowledge_base.txt: The PEG ratio divides the P/E ratio by the growth rate.',
    );
    expect(text).toContain('From rules.txt: Cut your losers fast');
    expect(text).not.toContain('third passage');
  });

  it('says it has nothing (in the assistant voice when given) rather than inventing an answer', async () => {
    const history: LlmMessage[] = [
      { role: 'assistant', content: 'Hi there' },
      { role: 'user', content: 'What about gold?' },
    ];
    const plain = await run(request({ userMessage: 'What about gold?' }, { messages: history }));
    expect(plain.text).toBe("I couldn't find anything about that in what I can look up.");
    const voiced = await run(
      request(
        { userMessage: 'What about gold?', offlineVoice: { noKnowledge: 'Nothing in my notes.' } },
        { messages: history },
      ),
    );
    expect(voiced.text).toBe('Nothing in my notes.');
  });

  it('never denies being an AI when asked', async () => {
    const { text } = await run(
      request(
        {
          userMessage: 'Wait, are you a real person?',
          offlineVoice: { aiDisclosure: "I'm an AI assistant." },
        },
        {
          messages: [
            { role: 'assistant', content: 'Hi' },
            { role: 'user', content: 'Wait, are you a real person?' },
          ],
        },
      ),
    );
    expect(text).toBe("I'm an AI assistant.");
  });

  it('works in the next missing lead slot, then wraps up when all are collected', async () => {
    const ask = async (missing: string[], collected: Record<string, string>) =>
      (await run(request({ userMessage: 'Tell me about risk', passages, slots: { missing, collected } })))
        .text;
    expect(await ask(['name', 'email', 'income'], {})).toMatch(/who am I talking to\?$/);
    expect(await ask(['email', 'income'], { name: 'Dana' })).toMatch(
      /Thanks, Dana\. Want my next market note\? What's your email\?$/,
    );
    expect(await ask(['income'], { name: 'Dana', email: 'dana@example.com' })).toMatch(
      /roughly what's your annual income — 50k, 100k, 200k\+\?$/i,
    );
    const done = await ask([], { name: 'Dana', email: 'dana@example.com', income: '100k' });
    expect(done).toMatch(
      /Thanks, Dana — I have everything I need and will follow up at dana@example\.com\.$/,
    );
    expect(done).toContain('From knowledge_base.txt');
    const voiced = await run(
      request({
        userMessage: 'hi',
        slots: { missing: ['email'], collected: {} },
        offlineVoice: { slotQuestions: { email: 'Drop me your email.' } },
      }),
    );
    expect(voiced.text).toMatch(/Drop me your email\.$/);
  });

  it('states the live facts the question is about, or says it has none', async () => {
    const facts = [
      'Event 20417: 2024-07-02 16:00–19:00 EDT, facilities Quarry Hill 2, Acorn & Ash, Millbrook',
      'Event 20418: 2024-07-03 15:00–18:00 EDT, facilities Riverside',
      'Contact: ops@quarry.example for Quarry Hill 2',
    ];
    const { text } = await run(request({ userMessage: 'Which facilities are in event 20417?', facts }));
    expect(text).toContain(`From the live records:\n- ${facts[0]}`);
    expect(text).not.toContain('20418');
    const none = await run(request({ userMessage: 'Which facilities are in event 20417?', facts: [] }));
    expect(none.text).toContain('I have no live records');
  });

  it('mentions attached files', async () => {
    const { text } = await run(request({ userMessage: 'Compare these', attachedFiles: ['a.txt', 'b.md'] }));
    expect(text).toContain('You attached: a.txt, b.md.');
  });

  it('asks a human through the tool when the message names a risky action, once per turn', async () => {
    const grounding = {
      userMessage: 'Please DELETE the staging database',
      askHumanWhen: ['delete', 'deploy'],
    };
    const asked = await run(request(grounding, { tools: [feedbackTool] }));
    expect(asked.events.map((event) => event.type)).toEqual(['tool_call', 'done']);
    const call = asked.events[0]!.type === 'tool_call' ? asked.events[0]!.call : undefined;
    expect(call?.name).toBe('request_human_feedback');
    const args = JSON.parse(call!.arguments) as { question: string; options: string[] };
    expect(args.options).toEqual(['approve', 'reject']);
    expect(args.question).toContain('Please DELETE the staging database');
    expect(asked.events[1]).toMatchObject({ type: 'done', finishReason: 'tool_calls' });

    // Whole words only, and only when the tool is offered.
    expect(
      (await run(request({ ...grounding, userMessage: 'undeleted rows?' }, { tools: [feedbackTool] })))
        .events[0]!.type,
    ).toBe('delta');
    expect((await run(request(grounding))).events[0]!.type).toBe('delta');

    const answered = (content: string) =>
      run(
        request(grounding, {
          tools: [feedbackTool],
          messages: [
            { role: 'user', content: grounding.userMessage },
            { role: 'assistant', content: '', tool_calls: [call!] },
            { role: 'tool', tool_call_id: call!.id, content },
          ],
        }),
      );
    const approved = await answered(
      JSON.stringify({ status: 'answered', answer: 'approve', decision: 'approved' }),
    );
    expect(approved.events.some((event) => event.type === 'tool_call')).toBe(false);
    expect(approved.text).toBe(
      'A person approved it, so I\'m going ahead with: "Please DELETE the staging database".',
    );
    expect(
      (await answered(JSON.stringify({ status: 'answered', answer: 'reject', decision: 'rejected' }))).text,
    ).toMatch(/rejected it, so I will not do it/);
    expect(
      (await answered(JSON.stringify({ status: 'expired', reason: 'No answer was given in time.' }))).text,
    ).toMatch(/did not hear back from a person in time, so I will not do it/);
    expect(
      (await answered(JSON.stringify({ status: 'answered', answer: 'only the old tables' }))).text,
    ).toMatch(/A person answered: "only the old tables"\. I'll go with that/);
    expect((await answered(JSON.stringify({ status: 'unavailable', reason: 'nobody to ask' }))).text).toMatch(
      /could not ask a person \(nobody to ask\), so I will not do it/,
    );
    expect((await answered('approved')).text).toMatch(/approved it/);
  });

  it('says it is offline in info()', async () => {
    const info = await createOfflineProvider().info();
    expect(info).toMatchObject({
      provider: 'offline',
      model: 'offline',
      base_url_host: null,
      configured: true,
      credential_source: 'none',
      offline: true,
    });
    expect(info.note).toMatch(/no language model/i);
  });
});
