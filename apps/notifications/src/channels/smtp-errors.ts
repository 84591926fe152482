import type { NodemailerError } from 'nodemailer';
import { ChannelError } from './channel.js';

/**
 * Classifies a nodemailer failure. An SMTP reply carries its own verdict
 * (`permanent`: 5xx except 503, e.g. 550 no such mailbox, 535 bad login); a
 * failure without a reply (refused connection, timeout, dropped socket) may
 * pass on a later try. An envelope nodemailer refuses before talking to the
 * server (no valid recipient) will not improve either.
 */
export function smtpChannelError(error: unknown): ChannelError {
  if (error instanceof ChannelError) return error;
  const failure = error as Partial<NodemailerError>;
  const reason = failure.response ?? failure.message ?? String(error);
  if (failure.responseCode !== undefined) {
    const permanent = failure.permanent ?? failure.responseCode >= 500;
    return new ChannelError(`SMTP server answered ${failure.responseCode}: ${reason}`, permanent, {
      cause: error,
    });
  }
  if (failure.code === 'EENVELOPE')
    return new ChannelError(`Bad envelope: ${reason}`, true, { cause: error });
  const code = failure.code === undefined ? '' : ` (${failure.code})`;
  return new ChannelError(`SMTP delivery failed${code}: ${reason}`, false, { cause: error });
}
