import type { AssistantCatalogStore } from '@switchboard/stores/assistant-catalog';
import type { ChatHistoryStore } from '@switchboard/stores/chat-history';
import type { LeadStore } from '@switchboard/stores/leads';
import type { SessionRecord } from '@switchboard/stores/sessions';
import { pickGreeting, storeGreeting } from '../chat-data/session-opening.js';
import { dataCollectedOf } from '../chat-data/session-views.js';

/** When the chat service has never published its assistants, 001's socket still opens with a greeting. */
const fallbackGreeting = 'Hi! Ask me anything about the markets.';

/**
 * 001's first frame on `/ws/:session_id`: the session's greeting (turn 0,
 * stored when the session was opened, or now) and how far the lead got.
 */
export class LeadGreeting {
  constructor(
    private readonly history: ChatHistoryStore,
    private readonly leads: LeadStore,
    private readonly catalog: AssistantCatalogStore,
  ) {}

  async frame(session: SessionRecord): Promise<Record<string, unknown>> {
    const picked = await pickGreeting(this.catalog, session.assistant);
    let [first] = await this.history.page(session.id, 0, 1);
    // A session opened before the chat service published its greetings gets one now, as turn 0.
    if (!first && picked) first = await storeGreeting(this.history, session.id, picked.greeting);
    const stored = first?.role === 'assistant' && first.turn_id === undefined ? first.content : undefined;
    const message = stored ?? picked?.greeting ?? fallbackGreeting;
    const privacyNotice = picked?.privacyNotice ?? null;
    const lead = await this.leads.get(session.id);
    return {
      type: 'greeting',
      message,
      data_collected: dataCollectedOf(lead),
      is_complete: lead?.status === 'complete',
      ...(privacyNotice === null ? {} : { privacy_notice: privacyNotice }),
    };
  }
}
