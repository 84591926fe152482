import type { ErrorCode } from '@switchboard/contracts/errors';
import { type WsEnvelope, type WsErrorData, wsEnvelopeValidator } from '@switchboard/contracts/ws-envelope';

/** A client frame on `/ws` or `/api/ws`: an envelope, or the error to answer it with. */
export type EnvelopeFrame =
  | { ok: true; envelope: WsEnvelope }
  | { ok: false; code: ErrorCode; error: string };

export function parseEnvelope(text: string): EnvelopeFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'SB_BAD_JSON', error: 'The frame is not valid JSON.' };
  }
  if (!wsEnvelopeValidator.Check(value)) {
    return {
      ok: false,
      code: 'SB_VALIDATION',
      error: 'Frames are JSON objects {"event": "<name>", "data": {...}} with a lowercase event name.',
    };
  }
  return { ok: true, envelope: value };
}

/** The server's `error` event on the envelope paths. */
export function envelopeError(error: WsErrorData): WsEnvelope {
  return { event: 'error', data: error };
}
