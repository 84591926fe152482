import type { ChannelName } from '@switchboard/contracts/notifications';
import type { Config } from '@switchboard/runtime/config';
import type { Logger } from '@switchboard/runtime/logger';
import { TokenCipherError } from '@switchboard/runtime/token-cipher';
import type { ChannelConnection, ChannelConnectionStore } from '@switchboard/stores/channel-connections';
import type { Channel } from './channel.js';
import { createEmailChannel } from './email-channel.js';
import { loadEmailTemplates } from './email-templates.js';
import type { GmailAccount, GmailEndpoints } from './email-transport.js';

export interface SenderChannelsOptions {
  config: Config;
  logger: Logger;
  /** The users' Gmail connections; a thunk, so the token cipher is only resolved once a user sends. */
  connections: () => Promise<Pick<ChannelConnectionStore, 'get' | 'save'>>;
  /** Test seam: Google's SMTP server and token endpoint. */
  gmailEndpoints?: GmailEndpoints;
}

/** The channels one job sends through, and how to let go of what was built for it. */
export interface JobChannels {
  channels: ReadonlyMap<ChannelName, Channel>;
  /** Closes a per-user channel once its refreshed token is saved; nothing for the shared ones. */
  close(): Promise<void>;
}

/**
 * Picks the channels for a job sent for a user: email goes out through the user's own Gmail
 * account (XOAUTH2) when they connected one and Gmail OAuth is configured, else through the
 * shared channels. The per-user channel is built for the job and closed after it (its transport
 * is not pooled), so no connection outlives the job, and a reconnect or a refreshed token is
 * picked up by the next one.
 */
export function senderChannels(options: SenderChannelsOptions, shared: ReadonlyMap<ChannelName, Channel>) {
  const { config, logger } = options;
  const templates = loadEmailTemplates();
  const sharedOnly: JobChannels = { channels: shared, close: async () => {} };

  async function gmailConnection(userId: string): Promise<ChannelConnection | null> {
    try {
      return await (await options.connections()).get(userId, 'gmail');
    } catch (error) {
      // A token this deployment cannot decrypt is lost until the user connects again; the mail still goes.
      if (!(error instanceof TokenCipherError)) throw error;
      logger.warn(
        { err: error, userId },
        'the Gmail connection cannot be read; sending through the shared email',
      );
      return null;
    }
  }

  return async function forSender(userId: string | undefined): Promise<JobChannels> {
    if (userId === undefined || !shared.has('email')) return sharedOnly;
    if (!config.gmail.clientId || !config.gmail.clientSecret) return sharedOnly;
    const connection = await gmailConnection(userId);
    // Without a refresh token the access token would die within the hour; without an address there is no From.
    if (!connection?.refresh_token || !connection.extra.email) return sharedOnly;

    const store = await options.connections();
    const saving: Promise<void>[] = [];
    const gmail: GmailAccount = {
      user: connection.extra.email,
      refreshToken: connection.refresh_token,
      accessToken: connection.access_token,
      expires: connection.expires_at === undefined ? undefined : Date.parse(connection.expires_at),
      onToken: (token) => {
        const saved = store
          .save(userId, 'gmail', {
            access_token: token.accessToken,
            expires_at: new Date(token.expires).toISOString(),
            scope: connection.scope,
            extra: connection.extra,
          })
          .catch((error: unknown) => {
            // The next job refreshes again with the refresh token, which the store still holds.
            logger.warn({ err: error, userId }, 'could not save the refreshed Gmail access token');
          });
        saving.push(saved);
      },
    };
    const email = createEmailChannel({
      config,
      logger,
      templates,
      gmail,
      gmailEndpoints: options.gmailEndpoints,
    });
    return {
      channels: new Map<ChannelName, Channel>([...shared, ['email', email]]),
      async close() {
        await Promise.all(saving);
        await email.close();
      },
    };
  };
}
