import type { ChannelName } from '@switchboard/contracts/notifications';
import type { Config } from '@switchboard/runtime/config';
import type { CircuitBreakerStore } from '@switchboard/stores/circuit-breakers';
import { UnrecoverableError } from 'bullmq';
import { type Channel, ChannelError } from '../channels/channel.js';
import type { EmailChannel } from '../channels/email-channel.js';

export interface TestEmailPorts {
  channels: ReadonlyMap<ChannelName, Channel>;
  breakers: Pick<CircuitBreakerStore, 'record'>;
  smtp: Config['smtp'];
  now: () => Date;
}

/**
 * `/test/smtp` (000): one real email through the email channel, whatever its circuit says (the
 * point is to test it), counted in the channel's health like any send. 000's body named the
 * server settings; so does this one, never the password.
 */
export async function sendTestEmail(
  to: string,
  idempotencyKey: string,
  ports: TestEmailPorts,
): Promise<{ message_id: string; transport: string }> {
  const email = ports.channels.get('email') as EmailChannel | undefined;
  if (!email) throw new UnrecoverableError('The email channel is not set up in this service.');
  const { host, port, user, secure } = ports.smtp;
  const settings =
    email.transport === 'smtp'
      ? `SMTP server ${host}:${port}${secure ? ' (TLS)' : ''}${user ? ` as ${user}` : ''}`
      : email.transport;
  const startedAt = ports.now().getTime();
  try {
    const sent = await email.send(
      {
        subject: 'Switchboard test email',
        text: `This is a test email from Switchboard, sent through ${settings}. If you can read it, email delivery works.`,
      },
      { email: to },
      idempotencyKey,
    );
    const sentAt = ports.now().getTime();
    await ports.breakers.record('email', { ok: true, latencyMs: sentAt - startedAt }, sentAt);
    return { message_id: sent.providerId, transport: email.transport };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const failedAt = ports.now().getTime();
    await ports.breakers.record(
      'email',
      { ok: false, latencyMs: failedAt - startedAt, error: reason },
      failedAt,
    );
    // The caller is waiting for this answer: a retry later would only send an email nobody expects.
    throw new UnrecoverableError(error instanceof ChannelError ? reason : `The test email failed: ${reason}`);
  }
}
