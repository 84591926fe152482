import { createLogger } from '@switchboard/runtime/logger';
import { type SmtpSink, startSmtpSink } from '@switchboard/testkit/smtp-sink';
import { afterEach, describe, expect, it } from 'vitest';
import { closeChannels, createChannels } from './channel-registry.js';
import type { EmailChannel } from './email-channel.js';
import { channelTestConfig } from './test-fixtures/channel-fixtures.js';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('createChannels', () => {
  let sink: SmtpSink | undefined;
  afterEach(async () => {
    await sink?.close();
    sink = undefined;
  });

  it('has only email, into the outbox, when nothing is configured', async () => {
    const channels = createChannels({ config: channelTestConfig({}), logger });
    expect([...channels.keys()]).toEqual(['email']);
    expect((channels.get('email') as EmailChannel).transport).toBe('outbox');
    await closeChannels(channels);
  });

  it('adds Slack with a bot token and webhooks with a signing secret, and closes the SMTP pool', async () => {
    sink = await startSmtpSink();
    const config = channelTestConfig({
      SMTP_HOST: sink.host,
      SMTP_PORT: String(sink.port),
      SLACK_BOT_TOKEN: 'xoxb-1',
      WEBHOOK_SECRET: `whsec_${Buffer.from('0123456789abcdef0123').toString('base64')}`,
    });
    const channels = createChannels({ config, logger });
    expect([...channels.keys()]).toEqual(['email', 'slack', 'webhook']);
    const email = channels.get('email') as EmailChannel;
    expect(email.transport).toBe('smtp');
    await email.send({ subject: 's', text: 't' }, { email: 'a@x.io' }, 'k');
    await closeChannels(channels);
    // A closed pool sends nothing more.
    await expect(email.send({ subject: 's', text: 't' }, { email: 'a@x.io' }, 'k2')).rejects.toThrow();
    expect(sink.messages).toHaveLength(1);
  });
});
