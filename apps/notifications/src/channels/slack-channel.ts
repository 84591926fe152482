import type { Config } from '@switchboard/runtime/config';
import { type Channel, ChannelError } from './channel.js';
import { fallbackText, messageBlocks } from './slack-blocks.js';
import { createSlackWebApi } from './slack-web-api.js';

/** Marks every message Switchboard posts; the payload carries the idempotency key, so a repeat is recognisable. */
export const slackEventType = 'switchboard_notification';

/**
 * Slack through the Web API with the bot token: posts to a user id (a DM) or
 * a channel id, edits the message in place on update. Needs
 * `SLACK_BOT_TOKEN` (scopes `chat:write`, `im:write`).
 */
export function createSlackChannel(options: { config: Config; botToken: string }): Channel {
  const { config } = options;
  const api = createSlackWebApi({
    apiUrl: config.slack.apiUrl,
    botToken: options.botToken,
    timeoutMs: config.httpTimeoutMs,
  });

  return {
    name: 'slack',
    canReach: (to) => to.slack !== undefined,

    async send(message, to, idempotencyKey) {
      if (!to.slack) throw new ChannelError('The recipient has no Slack id', true);
      const posted = await api.call<{ channel: string; ts: string }>('chat.postMessage', {
        channel: to.slack,
        text: fallbackText(message),
        blocks: messageBlocks(message),
        unfurl_links: false,
        unfurl_media: false,
        metadata: {
          event_type: slackEventType,
          event_payload: {
            idempotency_key: idempotencyKey,
            ...(message.feedback ? { request_id: message.feedback.request_id } : {}),
          },
        },
      });
      return {
        providerId: `${posted.channel}/${posted.ts}`,
        ref: { channel: posted.channel, ts: posted.ts },
      };
    },

    async update(ref, message) {
      if (!ref.channel || !ref.ts)
        throw new ChannelError('Not a reference to a Slack message (channel, ts)', true);
      await api.call('chat.update', {
        channel: ref.channel,
        ts: ref.ts,
        text: fallbackText(message),
        blocks: messageBlocks(message),
      });
    },

    async health() {
      try {
        const who = await api.call<{ team?: string; user?: string }>('auth.test', {});
        return { ok: true, detail: `${who.team ?? 'workspace'} as ${who.user ?? 'bot'}` };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },
  };
}
