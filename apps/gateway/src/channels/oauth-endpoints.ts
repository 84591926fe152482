import type { Config } from '@switchboard/runtime/config';

/** Where each provider's OAuth2 flow happens. */
export interface OAuthEndpoints {
  gmail: {
    authorize: string;
    token: string;
    /** The connected mailbox's address (Gmail API `users.getProfile`). */
    profile: string;
  };
  slack: { authorize: string; token: string };
}

/**
 * The providers' real endpoints. Slack's token call goes through
 * SLACK_API_URL like every other Slack Web API call; Google has no such
 * setting, so tests swap this module to reach a fake.
 */
export function oauthEndpoints(config: Pick<Config, 'slack'>): OAuthEndpoints {
  return {
    gmail: {
      authorize: 'https://accounts.google.com/o/oauth2/v2/auth',
      token: 'https://oauth2.googleapis.com/token',
      profile: 'https://gmail.googleapis.com/gmail/v1/users/me/profile',
    },
    slack: {
      authorize: 'https://slack.com/oauth/v2/authorize',
      token: `${config.slack.apiUrl}oauth.v2.access`,
    },
  };
}
