import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * A Redis Stream entry id, `<ms>-<seq>`. It is the SSE `id:` of an event and
 * what a client sends back (`Last-Event-ID`, `last_event_id`) to resume.
 */
export const streamEntryIdPattern = /^\d{1,20}-\d{1,20}$/;
export const StreamEntryId = Type.String({ pattern: streamEntryIdPattern.source, maxLength: 41 });

/** Orders two stream entry ids the way Redis does (numerically, time then sequence). */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

const Fields = Type.Record(Type.String(), Type.Unknown());
/** The chat turn an event belongs to, so a client waiting for its own turn can pick its events out. */
const TurnId = Type.Optional(Type.String({ maxLength: 200 }));

/**
 * The `data` of each event a session's stream can hold (SPEC §4 "Events and
 * resume"). Only the fields the gateway's protocols read are fixed; producers
 * may add more, and clients receive them as they are.
 */
export const sessionEventData = {
  /** A token delta of a reply being generated. */
  chunk: Type.Object({ content: Type.String(), turn_id: TurnId }),
  /** A finished assistant reply (001's `message` frame; 000's `chat_response`). */
  message: Type.Object({
    message: Type.String(),
    data_collected: Type.Optional(Fields),
    is_complete: Type.Optional(Type.Boolean()),
    turn_id: TurnId,
  }),
  email_sent: Type.Object({ message: Type.Optional(Type.String()), turn_id: TurnId }),
  done: Type.Object({
    data_collected: Type.Optional(Fields),
    is_complete: Type.Optional(Type.Boolean()),
    turn_id: TurnId,
  }),
  error: Type.Object({ message: Type.String(), code: Type.Optional(Type.String()), turn_id: TurnId }),
  feedback_requested: Type.Object({ request_id: Type.String() }),
  feedback_resolved: Type.Object({ request_id: Type.String() }),
  feedback_expired: Type.Object({ request_id: Type.String() }),
  /** A turn was accepted and is being worked on. */
  processing: Type.Object({ message: Type.Optional(Type.String()), turn_id: TurnId }),
  /** 000's reply event, for producers that speak it directly. */
  chat_response: Type.Object({ response: Type.String(), timestamp: Type.Optional(Type.String()) }),
  status: Fields,
} as const;

export type SessionEventName = keyof typeof sessionEventData;
export const sessionEventNames = Object.keys(sessionEventData) as SessionEventName[];
export type SessionEventData<N extends SessionEventName> = Static<(typeof sessionEventData)[N]>;

function entry<N extends SessionEventName>(event: N) {
  return Type.Object({ id: StreamEntryId, event: Type.Literal(event), data: sessionEventData[event] });
}

/** One event of a session as stored in its stream and published on its `session` topic. */
export const SessionEventEntry = Type.Union(
  [
    entry('chunk'),
    entry('message'),
    entry('email_sent'),
    entry('done'),
    entry('error'),
    entry('feedback_requested'),
    entry('feedback_resolved'),
    entry('feedback_expired'),
    entry('processing'),
    entry('chat_response'),
    entry('status'),
  ],
  { $id: 'SessionEventEntry' },
);
export type SessionEventEntry = Static<typeof SessionEventEntry>;
export const sessionEventEntryValidator = Compile(SessionEventEntry);
