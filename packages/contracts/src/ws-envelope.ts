import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';

/** Every frame on `/ws` and `/api/ws`, both directions: `{event, data}`. */
export const WsEnvelope = Type.Object(
  {
    event: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_.]*$' }),
    data: Type.Optional(Type.Unknown()),
  },
  { $id: 'WsEnvelope', examples: [{ event: 'chat_message', data: { message: 'hi', session_id: 's1' } }] },
);
export type WsEnvelope = Static<typeof WsEnvelope>;
export const wsEnvelopeValidator = Compile(WsEnvelope);

/** The `data` of a server `error` event. */
export const WsErrorData = Type.Object({ error: Type.String(), code: Type.String() });
export type WsErrorData = Static<typeof WsErrorData>;
