import { createTransport } from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';

describe('startSmtpSink', () => {
  let sink: SmtpSink | undefined;
  afterEach(async () => {
    await sink?.close();
    sink = undefined;
  });

  const transport = (target: SmtpSink, extra: object = {}) =>
    createTransport({ host: target.host, port: target.port, secure: false, ignoreTLS: true, ...extra });

  it('accepts and parses real SMTP, grouping deliveries by Message-ID', async () => {
    sink = await startSmtpSink();
    const mail = {
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'Héllo',
      text: 'hi',
      html: '<p>hi</p>',
    };
    await transport(sink).sendMail({ ...mail, messageId: '<one@test>' });
    await transport(sink).sendMail({ ...mail, messageId: '<one@test>' });
    await transport(sink).sendMail({ ...mail, messageId: '<two@test>' });

    expect(sink.messages[0]).toMatchObject({
      envelope: { from: 'a@example.com', to: ['b@example.com'] },
      messageId: '<one@test>',
      subject: 'Héllo',
      text: 'hi',
      html: '<p>hi</p>',
    });
    expect(sink.messages[0]!.headers.get('subject')).toBe('Héllo');
    const byId = sink.deliveredByMessageId();
    expect(byId.get('<one@test>')).toHaveLength(2);
    expect(byId.get('<two@test>')).toHaveLength(1);
  });

  it('answers scripted failures at DATA or RCPT, then recovers', async () => {
    sink = await startSmtpSink();
    const client = transport(sink);
    const mail = { from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' };
    sink.failNext(1, 451);
    await expect(client.sendMail(mail)).rejects.toMatchObject({ responseCode: 451 });
    sink.failNext(1, 550, '5.1.1 No such user', 'rcpt');
    await expect(client.sendMail(mail)).rejects.toMatchObject({ responseCode: 550, code: 'EENVELOPE' });
    await client.sendMail(mail);
    expect(sink.messages).toHaveLength(1);
  });

  it('stalls responses long enough to trip a client timeout', async () => {
    sink = await startSmtpSink();
    sink.stall(1_000);
    const client = transport(sink, { socketTimeout: 200 });
    await expect(client.sendMail({ from: 'a@x.io', to: 'b@x.io', text: 't' })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
    expect(sink.messages).toHaveLength(0);
  });

  it('requires the configured login when asked, password or XOAUTH2 token', async () => {
    sink = await startSmtpSink({ auth: { user: 'me@x.io', password: 'pw', accessToken: 'tok' } });
    const mail = { from: 'me@x.io', to: 'b@x.io', text: 't' };
    await expect(transport(sink).sendMail(mail)).rejects.toMatchObject({ responseCode: 530 });
    await expect(
      transport(sink, { auth: { user: 'me@x.io', pass: 'wrong' } }).sendMail(mail),
    ).rejects.toMatchObject({ responseCode: 535 });
    await transport(sink, { auth: { user: 'me@x.io', pass: 'pw' } }).sendMail(mail);
    await transport(sink, { auth: { type: 'OAuth2', user: 'me@x.io', accessToken: 'tok' } }).sendMail(mail);
    expect(sink.logins).toEqual(['PLAIN me@x.io pw', 'XOAUTH2 me@x.io tok']);
    expect(await sink.waitForMessages(2)).toHaveLength(2);
  });
});
