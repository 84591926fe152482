import type { Config } from '@switchboard/runtime/config';
import type { Logger } from '@switchboard/runtime/logger';
import { createTransport, type SendMailOptions, type Transporter } from 'nodemailer';
import { ChannelError } from './channel.js';
import { checkOutbox, outboxDir, writeToOutbox } from './email-outbox.js';
import { smtpChannelError } from './smtp-errors.js';

/** A user's connected Gmail account; the connection store holds the tokens, this only uses them. */
export interface GmailAccount {
  /** The Gmail address: the login and the From of what is sent. */
  user: string;
  refreshToken: string;
  accessToken?: string;
  /** When `accessToken` stops working, in ms since the epoch. */
  expires?: number;
  /** Called after nodemailer refreshed the access token, so the store can keep the new one. */
  onToken?: (token: { accessToken: string; expires: number }) => void;
}

/** Google's SMTP server and OAuth2 token endpoint; tests point both at fakes. */
export interface GmailEndpoints {
  smtp: { host: string; port: number; secure: boolean };
  tokenUrl: string;
}

export const googleEndpoints: GmailEndpoints = {
  smtp: { host: 'smtp.gmail.com', port: 465, secure: true },
  tokenUrl: 'https://oauth2.googleapis.com/token',
};

export type EmailTransportKind = 'smtp' | 'gmail' | 'outbox';

/** Where rendered mail goes: an SMTP server, a Gmail account, or the outbox folder. */
export interface EmailTransport {
  readonly kind: EmailTransportKind;
  /** The From address of everything this transport sends. */
  readonly from: string;
  /** Sends once; failures are ChannelErrors. `idempotencyKey` names the outbox file. */
  send(mail: SendMailOptions, idempotencyKey: string): Promise<void>;
  health(): Promise<{ ok: boolean; detail: string }>;
  /** Closes pooled connections. */
  close(): void;
}

export interface EmailTransportOptions {
  config: Config;
  logger: Logger;
  gmail?: GmailAccount;
  gmailEndpoints?: GmailEndpoints;
}

/** nodemailer behind the EmailTransport shape: its failures classified, `verify()` as health. */
function nodemailerTransport(
  kind: 'smtp' | 'gmail',
  from: string,
  where: string,
  transporter: Transporter,
): EmailTransport {
  return {
    kind,
    from,
    async send(mail) {
      try {
        await transporter.sendMail(mail);
      } catch (error) {
        throw smtpChannelError(error);
      }
    },
    async health() {
      try {
        await transporter.verify();
        return { ok: true, detail: where };
      } catch (error) {
        return { ok: false, detail: `${where}: ${smtpChannelError(error).message}` };
      }
    },
    close: () => transporter.close(),
  };
}

/**
 * Picks the transport: a connected Gmail account (XOAUTH2; nodemailer
 * refreshes the access token with the refresh token when it expires), else
 * the configured SMTP server (pooled, with a login when one is set), else
 * the outbox folder under `DATA_DIR`, so email works with nothing configured.
 */
export function createEmailTransport(options: EmailTransportOptions): EmailTransport {
  const { config, logger, gmail } = options;
  const timeouts = {
    connectionTimeout: config.httpTimeoutMs,
    greetingTimeout: config.httpTimeoutMs,
    socketTimeout: config.httpTimeoutMs,
  };

  if (gmail) {
    const endpoints = options.gmailEndpoints ?? googleEndpoints;
    const transporter = createTransport({
      ...endpoints.smtp,
      ...timeouts,
      auth: {
        type: 'OAuth2',
        user: gmail.user,
        clientId: config.gmail.clientId,
        clientSecret: config.gmail.clientSecret,
        refreshToken: gmail.refreshToken,
        accessToken: gmail.accessToken,
        expires: gmail.expires,
        accessUrl: endpoints.tokenUrl,
      },
    });
    transporter.on('token', (token) => {
      logger.debug({ user: gmail.user }, 'Gmail access token refreshed');
      gmail.onToken?.({ accessToken: token.accessToken, expires: token.expires });
    });
    return nodemailerTransport('gmail', gmail.user, `gmail ${gmail.user}`, transporter);
  }

  const from = config.smtp.from ?? 'switchboard@localhost';
  const { host, port, secure, user, password } = config.smtp;
  if (host) {
    const transporter = createTransport({
      pool: true,
      host,
      port,
      secure,
      ...timeouts,
      ...(user && password ? { auth: { user, pass: password } } : {}),
    });
    return nodemailerTransport('smtp', from, `smtp ${host}:${port}`, transporter);
  }

  const dir = outboxDir(config.dataDir);
  const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    kind: 'outbox',
    from,
    async send(mail, idempotencyKey) {
      try {
        const { message } = await composer.sendMail(mail);
        const { file, repeated } = await writeToOutbox(dir, message as Buffer, idempotencyKey);
        logger.info(
          { file, to: mail.to, repeated },
          'email written to the outbox (no SMTP server configured)',
        );
      } catch (error) {
        throw new ChannelError(`Could not write to the outbox ${dir}: ${(error as Error).message}`, false, {
          cause: error,
        });
      }
    },
    health: () => checkOutbox(dir),
    close: () => composer.close(),
  };
}
