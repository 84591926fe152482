import type autocannon from 'autocannon';
import { chatOnce, type OpenedSession, openLeadSession, startGeneralSession } from './gateway-client.js';
import { measureHttp } from './http-load.js';
import type { Measurement } from './measurement.js';
import { twentyDeltas } from './service-roles.js';
import { measureSocketTurns, socketTurnOnce } from './ws-load.js';

/** Which chat worker a scenario needs behind the gateway. */
export type Provider = 'offline' | 'openai';

export interface Scenario {
  title: string;
  /** What one round trip goes through, for the report. */
  path: string;
  provider: Provider;
  /** One real round trip before any load, so a broken set-up fails loudly instead of measuring errors. */
  check(): Promise<void>;
  /** One run of load: the warm-up, then the measured one. */
  measure(durationS: number): Promise<Measurement>;
}

/**
 * A lead conversation as a visitor has it: a question, then name, email and
 * income (the fourth turn completes the lead and queues the operator's
 * email), then more questions. Each session walks it from the start.
 */
const leadConversation = [
  'How should I size a position?',
  "I'm Alex, by the way.",
  'My email is alex@example.com',
  'My income is about $100k a year.',
  'What is a stop-loss for?',
  'How do options change my risk?',
  'Is valuation still worth doing?',
  'How do I keep my head in a drawdown?',
];
const leadMessage = (turn: number) => leadConversation[turn % leadConversation.length]!;

/** 002's stateless call: a short history, no session, the general assistant. */
const statelessTurn = {
  message: 'And what about bonds?',
  history: [
    { role: 'user', content: 'What moved stocks today?' },
    { role: 'assistant', content: 'Rate expectations, mostly.' },
  ],
};

/**
 * Lends each request a session no other request has in flight, since a
 * session runs its turns one at a time (a later one waits its turn): with
 * twice as many sessions as connections there is always a free one. A
 * request that never got an answer keeps its session; should the free list
 * run dry, sessions are shared rather than the load stopping.
 */
class SessionLender {
  private readonly free: OpenedSession[];
  private readonly turns = new Map<string, number>();
  private shared = 0;

  constructor(private readonly sessions: readonly OpenedSession[]) {
    this.free = [...sessions];
  }

  take(): { session: OpenedSession; turn: number } {
    const session = this.free.shift() ?? this.sessions[this.shared++ % this.sessions.length]!;
    const turn = this.turns.get(session.id) ?? 0;
    this.turns.set(session.id, turn + 1);
    return { session, turn };
  }

  give(session: OpenedSession): void {
    this.free.push(session);
  }
}

const json = { 'content-type': 'application/json' };

function leadTurnRequest(lender: SessionLender): autocannon.Request {
  return {
    method: 'POST',
    path: '/api/chat',
    setupRequest(request, context) {
      const { session, turn } = lender.take();
      (context as { session?: OpenedSession }).session = session;
      return {
        ...request,
        headers: { ...json, authorization: `Bearer ${session.token}` },
        body: JSON.stringify({ session_id: session.id, message: leadMessage(turn) }),
      };
    },
    onResponse(_status, _body, context) {
      const { session } = context as { session?: OpenedSession };
      if (session) lender.give(session);
    },
  };
}

function openLeadSessions(gateway: string, count: number): Promise<OpenedSession[]> {
  return Promise.all(Array.from({ length: count }, () => openLeadSession(gateway)));
}

/** The five scenarios against one gateway, in the order they run. The first is the baseline. */
export function chatScenarios(gateway: string, connections: number): Scenario[] {
  let general: OpenedSession | undefined;
  const generalToken = async () => {
    general ??= await startGeneralSession(gateway);
    return general.token;
  };
  const statelessLoad = async (durationS: number) =>
    measureHttp({
      url: gateway,
      connections,
      durationS,
      request: {
        method: 'POST',
        path: '/api/chat',
        headers: { ...json, authorization: `Bearer ${await generalToken()}` },
        body: JSON.stringify(statelessTurn),
      },
    });

  return [
    {
      title: 'Baseline: GET /health',
      path: 'HTTP + Fastify (hooks, auth, rate-limit bypass) only',
      provider: 'offline',
      async check() {
        const response = await fetch(`${gateway}/health`);
        if (response.status !== 200) throw new Error(`/health answered ${response.status}`);
      },
      measure: (durationS) =>
        measureHttp({ url: gateway, connections, durationS, request: { method: 'GET', path: '/health' } }),
    },
    {
      title: 'POST /api/chat, 002 stateless turn (offline)',
      path: 'gateway → BullMQ `chat.turn` → chat worker (offline provider) → result back to the waiting request',
      provider: 'offline',
      async check() {
        await chatOnce(gateway, statelessTurn, await generalToken());
      },
      measure: statelessLoad,
    },
    {
      title: 'POST /api/chat, 001 lead session turns (offline)',
      path:
        `the same, plus the session: turn order, stored messages, history, retrieval, lead slot capture, ` +
        `usage, session events and the session log; ${2 * connections} sessions, none with two turns in flight`,
      provider: 'offline',
      async check() {
        const [session] = await openLeadSessions(gateway, 1);
        let reply: Awaited<ReturnType<typeof chatOnce>> | undefined;
        for (let turn = 0; turn < 4; turn++) {
          reply = await chatOnce(
            gateway,
            { session_id: session!.id, message: leadMessage(turn) },
            session!.token,
          );
        }
        if (reply?.is_complete !== true) throw new Error('the lead conversation did not complete the lead');
      },
      async measure(durationS) {
        const lender = new SessionLender(await openLeadSessions(gateway, 2 * connections));
        return measureHttp({ url: gateway, connections, durationS, request: leadTurnRequest(lender) });
      },
    },
    {
      title: 'WS /ws/:session_id turn round trip (offline)',
      path: `a lead session turn sent as \`{message}\`, timed to its \`message\` frame; ${connections} sockets, one session each`,
      provider: 'offline',
      async check() {
        const [url] = await socketUrls(gateway, 1);
        await socketTurnOnce(url!, leadMessage(0));
      },
      async measure(durationS) {
        return measureSocketTurns({
          urls: await socketUrls(gateway, connections),
          messageFor: leadMessage,
          durationS,
        });
      },
    },
    {
      title: 'POST /api/chat, 002 stateless turn (openai SDK → fake OpenAI, 20 deltas)',
      path: 'scenario 2 with the `openai` provider: the SDK streams 20 chunks from the fake server over HTTP',
      provider: 'openai',
      async check() {
        const { response } = await chatOnce(gateway, statelessTurn, await generalToken());
        if (response !== twentyDeltas.join(''))
          throw new Error(`the reply was not the fake model's: ${response}`);
      },
      measure: statelessLoad,
    },
  ];
}

async function socketUrls(gateway: string, count: number): Promise<string[]> {
  const base = gateway.replace(/^http/, 'ws');
  return (await openLeadSessions(gateway, count)).map(
    (session) => `${base}/ws/${session.id}?token=${encodeURIComponent(session.token)}`,
  );
}
