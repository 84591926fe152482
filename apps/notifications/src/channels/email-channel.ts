import type { Recipient } from '@switchboard/contracts/notifications';
import type { Config } from '@switchboard/runtime/config';
import type { Logger } from '@switchboard/runtime/logger';
import { type Channel, ChannelError, type ProviderRef, type SendResult } from './channel.js';
import { composeEmail } from './email-content.js';
import { emailMessageId } from './email-message-id.js';
import { type EmailTemplates, loadEmailTemplates } from './email-templates.js';
import {
  createEmailTransport,
  type EmailTransportKind,
  type GmailAccount,
  type GmailEndpoints,
} from './email-transport.js';

export interface EmailChannelOptions {
  config: Config;
  logger: Logger;
  /** Send as this connected Gmail account instead of the configured SMTP server. */
  gmail?: GmailAccount;
  gmailEndpoints?: GmailEndpoints;
  /** Loaded once and shared; defaults to `apps/notifications/templates/`. */
  templates?: EmailTemplates;
}

export interface EmailChannel extends Channel {
  readonly name: 'email';
  /** Which transport this channel uses (`/test/smtp` reports it). */
  readonly transport: EmailTransportKind;
  /** Closes the SMTP pool. */
  close(): Promise<void>;
}

/**
 * What `update` needs to answer in the same thread. All strings, as a
 * ProviderRef is stored as given.
 */
interface EmailRef {
  messageId: string;
  to: string;
  subject: string;
  idempotencyKey: string;
}

function emailRef(ref: ProviderRef): EmailRef {
  const { messageId, to, subject, idempotencyKey } = ref;
  if (!messageId || !to || subject === undefined || !idempotencyKey) {
    throw new ChannelError('Not a reference to a sent email (messageId, to, subject, idempotencyKey)', true);
  }
  return { messageId, to, subject, idempotencyKey };
}

/**
 * Email. The Message-ID is derived from the idempotency key (`<key@switchboard>`),
 * so a repeat is recognisable; `Auto-Submitted` keeps auto-responders from
 * answering. An update is a short follow-up in the same thread
 * (`In-Reply-To`/`References`), since a sent email cannot be edited.
 */
export function createEmailChannel(options: EmailChannelOptions): EmailChannel {
  const templates = options.templates ?? loadEmailTemplates();
  const transport = createEmailTransport(options);
  const from = { name: 'Switchboard', address: transport.from };

  return {
    name: 'email',
    transport: transport.kind,
    canReach: (to: Recipient) => to.email !== undefined,

    async send(message, to, idempotencyKey): Promise<SendResult> {
      if (!to.email) throw new ChannelError('The recipient has no email address', true);
      const content = composeEmail(templates, message);
      const messageId = emailMessageId(idempotencyKey);
      await transport.send(
        {
          from,
          to: to.email,
          ...content,
          messageId,
          headers: {
            'Auto-Submitted': 'auto-generated',
            ...(message.feedback ? { 'X-Feedback-Request-ID': message.feedback.request_id } : {}),
          },
        },
        idempotencyKey,
      );
      return {
        providerId: messageId,
        ref: { messageId, to: to.email, subject: content.subject, idempotencyKey },
      };
    },

    async update(ref, message) {
      const original = emailRef(ref);
      const content = composeEmail(templates, message);
      const followUpKey = `${original.idempotencyKey}.update`;
      await transport.send(
        {
          from,
          to: original.to,
          ...content,
          subject: /^re:/i.test(original.subject) ? original.subject : `Re: ${original.subject}`,
          messageId: emailMessageId(followUpKey),
          inReplyTo: original.messageId,
          references: [original.messageId],
          headers: { 'Auto-Submitted': 'auto-generated' },
        },
        followUpKey,
      );
    },

    health: () => transport.health(),
    close: async () => transport.close(),
  };
}
