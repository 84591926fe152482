import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream } from 'smtp-server';

/** One message the sink accepted, as a mail client would read it. */
export interface ReceivedMail {
  envelope: { from: string | undefined; to: string[] };
  messageId: string | undefined;
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  inReplyTo: string | undefined;
  /** Every header, lower-cased names (mailparser's view). */
  headers: ParsedMail['headers'];
  /** The bytes received after DATA. */
  raw: Buffer;
}

export interface SmtpSinkOptions {
  /**
   * Require a login (PLAIN/LOGIN with `password`, XOAUTH2 with `accessToken`).
   * Without it the sink takes mail from anyone, as a local relay would.
   */
  auth?: { user: string; password?: string; accessToken?: string };
}

export interface SmtpSink {
  host: string;
  port: number;
  /** Accepted messages, in order. */
  messages: ReceivedMail[];
  /** Logins the sink accepted, e.g. `XOAUTH2 me@gmail.com token-1`. */
  logins: string[];
  /** Accepted messages grouped by Message-ID, so a test can assert each was delivered exactly once. */
  deliveredByMessageId(): Map<string, ReceivedMail[]>;
  /**
   * Refuse the next `count` transactions with this SMTP reply: 4xx is a
   * temporary failure, 5xx a permanent one. `at: 'rcpt'` refuses the
   * recipient (a bad address) instead of the message.
   */
  failNext(count: number, code?: number, message?: string, at?: 'data' | 'rcpt'): void;
  /** Delay the answer to every MAIL FROM by `ms` (0 to stop), to trip client timeouts. */
  stall(ms: number): void;
  /** Resolves once `count` messages in all have been accepted. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

interface ScriptedFailure {
  remaining: number;
  code: number;
  message: string;
  at: 'data' | 'rcpt';
}

/** An error smtp-server answers with the given reply code. */
function smtpReply(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function address(value: SMTPServerAddress | false): string | undefined {
  return value === false ? undefined : value.address;
}

/**
 * A real SMTP server on a free local port that keeps what it receives, so the
 * real nodemailer client (pooling, timeouts, error replies) is what a test
 * exercises. No TLS: STARTTLS is not offered.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const logins: string[] = [];
  const waiters: Array<() => void> = [];
  let failure: ScriptedFailure | undefined;
  let stallMs = 0;

  /** Takes one scripted failure for this stage, if any is left. */
  const takeFailure = (at: 'data' | 'rcpt'): Error | undefined => {
    if (!failure || failure.at !== at || failure.remaining <= 0) return undefined;
    failure.remaining -= 1;
    return smtpReply(failure.code, failure.message);
  };

  const required = options.auth;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: required ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !required,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
    // Pooled clients keep connections open; a test's close should not wait 30 s for them.
    closeTimeout: 50,
    onAuth(auth, _session, callback) {
      const secret = auth.method === 'XOAUTH2' ? auth.accessToken : auth.password;
      const expected = auth.method === 'XOAUTH2' ? required?.accessToken : required?.password;
      if (!required || auth.username !== required.user || expected === undefined || secret !== expected) {
        callback(smtpReply(535, '5.7.8 Authentication credentials invalid'));
        return;
      }
      logins.push(`${auth.method} ${auth.username} ${secret}`);
      callback(null, { user: auth.username });
    },
    onMailFrom(_address, _session, callback) {
      if (stallMs > 0) setTimeout(() => callback(), stallMs);
      else callback();
    },
    onRcptTo(_address, _session, callback) {
      callback(takeFailure('rcpt'));
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const refused = takeFailure('data');
        if (refused) {
          callback(refused);
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            messages.push({
              envelope: {
                from: address(session.envelope.mailFrom),
                to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              },
              messageId: parsed.messageId,
              subject: parsed.subject,
              text: parsed.text,
              html: parsed.html || undefined,
              inReplyTo: parsed.inReplyTo,
              headers: parsed.headers,
              raw,
            });
            for (const wake of waiters.splice(0)) wake();
            callback(null, `2.0.0 Ok: queued as ${messages.length}`);
          },
          (error: Error) => callback(smtpReply(554, `5.6.0 Unparseable message: ${error.message}`)),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    messages,
    logins,
    deliveredByMessageId() {
      const byId = new Map<string, ReceivedMail[]>();
      for (const mail of messages) {
        const id = mail.messageId ?? '';
        byId.set(id, [...(byId.get(id) ?? []), mail]);
      }
      return byId;
    },
    failNext(count, code = 451, message, at = 'data') {
      const text = message ?? (code >= 500 ? '5.1.1 Mailbox unavailable' : '4.3.0 Try again later');
      failure = { remaining: count, code, message: text, at };
    },
    stall(ms) {
      stallMs = ms;
    },
    async waitForMessages(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`SMTP sink: ${messages.length} of ${count} messages after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
