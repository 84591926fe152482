import { queues } from '@switchboard/contracts/queues';
import { AppError, isAppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { Type } from 'typebox';

const errorBody = { $ref: 'ErrorBody#' };

const SmtpTestBody = Type.Object(
  {
    test_email: Type.Optional(
      Type.String({
        format: 'email',
        maxLength: 254,
        description: 'Default: `TEST_EMAIL`. Must be on the allowlist.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** 000's answer (`success`, `message`, `config`, `test_email_sent`) plus what was sent and how. */
const SmtpTestResult = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  message_id: Type.String({ description: 'The Message-ID of the test email.' }),
  transport: Type.Enum(['smtp', 'gmail', 'outbox'], {
    description: '`outbox`: no SMTP server is configured, the email was written to the outbox folder.',
  }),
  test_email_sent: Type.Boolean(),
  config: Type.Object({
    host: Type.Union([Type.String(), Type.Null()]),
    port: Type.Integer(),
    user: Type.Union([Type.String(), Type.Null()]),
    secure: Type.Boolean(),
  }),
});

/**
 * `POST /test/smtp` and `/api/test/smtp` (000): one real email, sent by the notifications service
 * while the caller waits. Only to `TEST_EMAIL` (the allowlist), so the route cannot mail strangers.
 */
export function registerSmtpTestRoutes(app: HttpServer, service: ServiceBase): void {
  const { config } = service;
  const producer = service.producer(queues.notifications);
  // Each SMTP stage may take HTTP_TIMEOUT_MS before the channel gives up; a failure within two of
  // those is reported as such (502), a send still hanging after that as a timeout (504).
  const deadlineMs = 2 * config.httpTimeoutMs;
  const allowed = config.testEmail?.toLowerCase();

  for (const url of ['/test/smtp', '/api/test/smtp']) {
    app.post(
      url,
      {
        schema: {
          tags: ['operations'],
          summary: 'Send a test email through the configured email transport',
          body: SmtpTestBody,
          response: {
            200: SmtpTestResult,
            403: {
              description: 'The recipient is not on the allowlist (`TEST_EMAIL`); nothing was sent.',
              ...errorBody,
            },
            502: {
              description: 'The mail server refused or could not be reached (`SB_UPSTREAM`).',
              ...errorBody,
            },
            504: {
              description: 'No answer in time (`SB_TIMEOUT`); the email may still go out.',
              ...errorBody,
            },
          },
        },
        config: { policy: 'admin' },
        // 000's clients post without a body; that means the test address.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => {
        const to = request.body.test_email ?? config.testEmail;
        if (to === undefined) {
          throw new AppError('SB_VALIDATION', 'Name a recipient in test_email, or set TEST_EMAIL.');
        }
        if (to.toLowerCase() !== allowed) {
          throw new AppError(
            'SB_FORBIDDEN',
            `${to} is not on the test email allowlist; test emails go only to TEST_EMAIL.`,
          );
        }
        const job = await producer.add('send_test_email', { to }, { requestId: request.id, attempts: 1 });
        let sent: { message_id: string; transport: string };
        try {
          sent = await producer.waitFor(job, deadlineMs);
        } catch (error) {
          if (isAppError(error)) {
            // Not started yet: it never will, so no email arrives after this answer. (Once started, it may.)
            await job.remove().catch(() => undefined);
            throw error;
          }
          const reason = error instanceof Error ? error.message : String(error);
          throw new AppError('SB_UPSTREAM', `The test email was not sent: ${reason}`, undefined, {
            cause: error,
          });
        }
        return {
          success: true as const,
          message: `Test email sent to ${to} via ${sent.transport}.`,
          message_id: sent.message_id,
          transport: sent.transport as 'smtp' | 'gmail' | 'outbox',
          test_email_sent: true,
          config: {
            host: config.smtp.host ?? null,
            port: config.smtp.port,
            user: config.smtp.user ?? null,
            secure: config.smtp.secure,
          },
        };
      },
    );
  }
}
