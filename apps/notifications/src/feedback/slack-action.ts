/** An answer someone gave on Slack, read from an interactivity payload. */
export interface SlackAnswer {
  requestId: string;
  answer: string;
  /** The Slack member who clicked or typed. */
  userId: string;
  userName?: string;
  /** Where to reply to that person alone (an ephemeral message). */
  responseUrl?: string;
}

type Json = Record<string, unknown>;

const requestIdIn = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function parsed(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/**
 * The request a typed answer belongs to. The text box carries no value of its
 * own, so it is read from where the question message names it: the box's
 * block id, the message metadata, or the buttons' `feedback_<id>` block.
 */
function requestIdAround(payload: Json, action: Json): string | undefined {
  const message = isObject(payload.message) ? payload.message : {};
  const metadata = isObject(message.metadata) ? message.metadata : {};
  const eventPayload = isObject(metadata.event_payload) ? metadata.event_payload : {};
  const blocks = Array.isArray(message.blocks) ? message.blocks.filter(isObject) : [];
  const candidates = [
    text(action.block_id),
    text(eventPayload.request_id),
    ...blocks.map((block) => text(block.block_id)),
  ];
  for (const candidate of candidates) {
    const match = candidate === undefined ? null : requestIdIn.exec(candidate);
    if (match) return match[0];
  }
  return undefined;
}

/** The first non-empty text typed into an input of the message (`state.values`). */
function typedText(payload: Json): string | undefined {
  const state = isObject(payload.state) && isObject(payload.state.values) ? payload.state.values : {};
  for (const block of Object.values(state).filter(isObject)) {
    for (const element of Object.values(block).filter(isObject)) {
      const value = text(element.value)?.trim();
      if (value) return value;
    }
  }
  return undefined;
}

/**
 * Reads a `block_actions` payload: a button whose `value` is
 * `{request_id, answer}` (or 003's `{request_id, action}`), or an answer typed
 * into the question's text box. Anything else is not an answer: null.
 */
export function slackAnswerOf(payloadJson: string): SlackAnswer | null {
  const payload = parsed(payloadJson);
  if (!isObject(payload) || payload.type !== 'block_actions') return null;
  const user = isObject(payload.user) ? payload.user : {};
  const userId = text(user.id);
  const action = Array.isArray(payload.actions) ? payload.actions.find(isObject) : undefined;
  if (!userId || !action) return null;

  let requestId: string | undefined;
  let answer: string | undefined;
  const value = action.type === 'button' ? parsed(text(action.value) ?? '') : undefined;
  if (isObject(value)) {
    requestId = text(value.request_id);
    answer = text(value.answer) ?? text(value.action) ?? typedText(payload);
  } else if (action.type === 'plain_text_input') {
    requestId = requestIdAround(payload, action);
    answer = text(action.value);
  }
  if (!requestId || answer === undefined) return null;

  const userName = text(user.username) ?? text(user.name);
  const responseUrl = text(payload.response_url);
  return {
    requestId,
    answer,
    userId,
    ...(userName === undefined ? {} : { userName }),
    ...(responseUrl && /^https?:\/\//.test(responseUrl) ? { responseUrl } : {}),
  };
}
