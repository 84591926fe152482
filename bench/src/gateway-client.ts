/** The few gateway calls the runner makes outside the measured load: opening sessions and checking replies. */

export interface OpenedSession {
  id: string;
  token: string;
}

async function post(url: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

function sessionOf(created: Record<string, unknown>): OpenedSession {
  return { id: String(created.session_id), token: String(created.session_token) };
}

/** 001: `POST /api/sessions` with no body and no token makes an anonymous lead session. */
export async function openLeadSession(gateway: string): Promise<OpenedSession> {
  return sessionOf(await post(`${gateway}/api/sessions`, undefined));
}

/** 002: `POST /api/session/start`; its token may then make stateless `/api/chat` calls. */
export async function startGeneralSession(gateway: string): Promise<OpenedSession> {
  return sessionOf(await post(`${gateway}/api/session/start`, undefined));
}

/** One `POST /api/chat`. Throws unless it answered 200 with `success: true` and a reply. */
export async function chatOnce(
  gateway: string,
  body: unknown,
  token: string,
): Promise<{ response: string; is_complete?: unknown }> {
  const reply = await post(`${gateway}/api/chat`, body, token);
  if (reply.success !== true || typeof reply.response !== 'string' || reply.response === '') {
    throw new Error(`POST /api/chat answered without a reply: ${JSON.stringify(reply)}`);
  }
  return { response: reply.response, is_complete: reply.is_complete };
}
