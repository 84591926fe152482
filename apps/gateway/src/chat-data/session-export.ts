import type { ChatMessage } from '@switchboard/contracts/chat';
import type { LeadData } from '@switchboard/contracts/chat-api';
import type { ChatHistoryStore } from '@switchboard/stores/chat-history';

/** Messages read from Redis per step: one page is all an export holds in memory. */
const pageSize = 200;

export interface ExportHeader {
  session_id: string;
  created_at: string;
  assistant: string;
  data: LeadData;
  message_count: number;
  exported_at: string;
}

/** The messages that were stored when the export began, page by page. */
async function* messagePages(
  history: ChatHistoryStore,
  sessionId: string,
  count: number,
): AsyncGenerator<ChatMessage[]> {
  for (let start = 0; start < count; start += pageSize) {
    const page = await history.page(sessionId, start, Math.min(pageSize, count - start));
    if (page.length === 0) return;
    yield page;
  }
}

/**
 * 000's export file, `{session_id, created_at, …, messages:[…], exported_at}`,
 * written as it is read: the text of the whole session never exists at once.
 */
export async function* jsonExport(history: ChatHistoryStore, header: ExportHeader): AsyncGenerator<string> {
  const { exported_at, ...head } = header;
  yield `${JSON.stringify(head).slice(0, -1)},"messages":[`;
  let first = true;
  for await (const page of messagePages(history, header.session_id, header.message_count)) {
    const text = page.map((message) => JSON.stringify(message)).join(',');
    yield first ? text : `,${text}`;
    first = false;
  }
  yield `],"exported_at":${JSON.stringify(exported_at)}}\n`;
}

/** JSON Lines: the session line (`type: "session"`), then one line per message. */
export async function* jsonlExport(history: ChatHistoryStore, header: ExportHeader): AsyncGenerator<string> {
  yield `${JSON.stringify({ type: 'session', ...header })}\n`;
  for await (const page of messagePages(history, header.session_id, header.message_count)) {
    yield page.map((message) => `${JSON.stringify(message)}\n`).join('');
  }
}

/** `session_<id>_<YYYYMMDD_HHMMSS>.json` as 000 named it (UTC). */
export function exportFileName(sessionId: string, at: Date, extension: 'json' | 'jsonl'): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return `session_${sessionId}_${stamp}.${extension}`;
}
