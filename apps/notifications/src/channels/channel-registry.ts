import type { ChannelName } from '@switchboard/contracts/notifications';
import type { Config } from '@switchboard/runtime/config';
import type { Logger } from '@switchboard/runtime/logger';
import type { Channel } from './channel.js';
import { createEmailChannel } from './email-channel.js';
import type { GmailAccount } from './email-transport.js';
import { createSlackChannel } from './slack-channel.js';
import { createWebhookChannel } from './webhook-channel.js';

export interface ChannelDependencies {
  config: Config;
  logger: Logger;
  /** A connected Gmail account to send email as, instead of the SMTP server. */
  gmail?: GmailAccount;
}

/**
 * The configured channels. Email is always there (outbox when nothing else
 * is set); Slack needs `SLACK_BOT_TOKEN`; webhooks need `WEBHOOK_SECRET`. A
 * channel missing from the map is not configured.
 */
export function createChannels(deps: ChannelDependencies): ReadonlyMap<ChannelName, Channel> {
  const { config } = deps;
  const email = createEmailChannel(deps);
  const channels = new Map<ChannelName, Channel>([['email', email]]);
  if (config.slack.botToken)
    channels.set('slack', createSlackChannel({ config, botToken: config.slack.botToken }));
  if (config.webhookSecret)
    channels.set('webhook', createWebhookChannel({ config, secret: config.webhookSecret }));
  deps.logger.info({ channels: [...channels.keys()], email: email.transport }, 'delivery channels ready');
  return channels;
}

/** Closes what holds connections (the SMTP pool); call on shutdown. */
export async function closeChannels(channels: ReadonlyMap<ChannelName, Channel>): Promise<void> {
  for (const channel of channels.values()) {
    if ('close' in channel && typeof channel.close === 'function') await channel.close();
  }
}
