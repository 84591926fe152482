import { queues } from '@switchboard/contracts/queues';
import { AnswerLinks, answerLinkKey } from '@switchboard/runtime/answer-links';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { ChannelPreferenceStore } from '@switchboard/stores/channel-preferences';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import { FeedbackOpener } from '@switchboard/stores/feedback-opening';
import { FeedbackRequestStore } from '@switchboard/stores/feedback-requests';
import { SessionEventLog } from '@switchboard/stores/session-events';
import type { SessionStore } from '@switchboard/stores/sessions';
import { UserStore } from '@switchboard/stores/users';
import { registerAnswerPageRoutes } from './answer-page-routes.js';
import { FeedbackAnswering } from './feedback-answering.js';
import { registerFeedbackRequestRoutes } from './feedback-request-routes.js';
import { registerSlackInteractivityRoutes } from './slack-interactivity-routes.js';

/** Human feedback: the requests API, the email link's answer page and Slack's interactivity endpoint. */
export async function registerFeedbackRoutes(
  app: HttpServer,
  service: ServiceBase,
  sessions: SessionStore,
): Promise<void> {
  const { redis, keys, config } = service;
  const requests = new FeedbackRequestStore(
    redis,
    keys,
    new SessionEventLog(redis, keys, config.sessions.idleTtlS),
  );
  const notifications = service.producer(queues.notifications);
  const answering = new FeedbackAnswering(requests, notifications);
  const links = new AnswerLinks(await answerLinkKey(config), config.publicUrl);
  const opener = new FeedbackOpener({
    requests,
    deliveries: new DeliveryStore(redis, keys),
    preferences: new ChannelPreferenceStore(redis, keys),
    users: new UserStore(redis, keys),
    links,
    notifications,
    defaultExpiryS: config.feedbackExpiryS,
  });
  registerFeedbackRequestRoutes(app, { requests, answering, opener, sessions });
  registerAnswerPageRoutes(app, { requests, answering, links });
  await registerSlackInteractivityRoutes(app, {
    signingSecret: config.slack.signingSecret,
    redis,
    keys,
    notifications,
  });
}
