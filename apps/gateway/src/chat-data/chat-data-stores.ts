import type { ServiceBase } from '@switchboard/runtime/service-base';
import { AgentWaitStore } from '@switchboard/stores/agent-waits';
import { AssistantCatalogStore } from '@switchboard/stores/assistant-catalog';
import { ChatHistoryStore } from '@switchboard/stores/chat-history';
import { ChatTurnStore } from '@switchboard/stores/chat-turns';
import { LeadSettingsStore } from '@switchboard/stores/lead-settings';
import { LeadStore } from '@switchboard/stores/leads';
import { SessionEventLog } from '@switchboard/stores/session-events';
import { SessionLogStore } from '@switchboard/stores/session-log';
import type { SessionStore } from '@switchboard/stores/sessions';
import { UsageStore } from '@switchboard/stores/usage';

/** Every store the session and chat-data routes read or write, over the gateway's one Redis. */
export interface ChatDataStores {
  sessions: SessionStore;
  history: ChatHistoryStore;
  turns: ChatTurnStore;
  agentWaits: AgentWaitStore;
  leads: LeadStore;
  leadSettings: LeadSettingsStore;
  usage: UsageStore;
  sessionLog: SessionLogStore;
  catalog: AssistantCatalogStore;
  events: SessionEventLog;
}

export function openChatDataStores(service: ServiceBase, sessions: SessionStore): ChatDataStores {
  const { redis, keys } = service;
  const idleTtlS = service.config.sessions.idleTtlS;
  return {
    sessions,
    history: new ChatHistoryStore(redis, keys, idleTtlS),
    turns: new ChatTurnStore(redis, keys, idleTtlS),
    agentWaits: new AgentWaitStore(redis, keys),
    leads: new LeadStore(redis, keys, idleTtlS),
    leadSettings: new LeadSettingsStore(redis, keys),
    usage: new UsageStore(redis, keys),
    sessionLog: new SessionLogStore(redis, keys),
    catalog: new AssistantCatalogStore(redis, keys),
    events: new SessionEventLog(redis, keys, idleTtlS),
  };
}
