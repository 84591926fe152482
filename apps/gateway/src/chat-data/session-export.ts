import type { ChatMessage } from '@switchboard/contracts/chat';
import type { ExportExchange, LeadData } from '@switchboard/contracts/chat-api';
import type { ChatHistoryStore } from '@switchboard/stores/chat-history';
import { utcStamp } from './utc-stamp.js';

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

/** One exchange with the stored messages it was made from. */
interface ExchangeGroup {
  exchange: ExportExchange;
  messages: ChatMessage[];
}

function exchangeOf(messages: ChatMessage[]): ExportExchange {
  const [first] = messages as [ChatMessage, ...ChatMessage[]];
  const replies = messages.filter((message) => message.role === 'assistant');
  return {
    timestamp: first.timestamp,
    user: first.role === 'user' ? first.content : null,
    assistant: replies.length === 0 ? null : replies.map((message) => message.content).join('\n\n'),
    turn_id: first.turn_id ?? null,
  };
}

/**
 * 000's exchanges from stored messages: each user message opens one, and
 * what follows it up to the next user message belongs to it (a greeting
 * before any user message opens its own). Only the open exchange is held.
 */
async function* exchangeGroups(pages: AsyncIterable<ChatMessage[]>): AsyncGenerator<ExchangeGroup> {
  let open: ChatMessage[] = [];
  for await (const page of pages) {
    for (const message of page) {
      if (message.role === 'user' && open.length > 0) {
        yield { exchange: exchangeOf(open), messages: open };
        open = [];
      }
      open.push(message);
    }
  }
  if (open.length > 0) yield { exchange: exchangeOf(open), messages: open };
}

/**
 * 000's export file, `{session_id, created_at, …, messages:[exchanges],
 * conversation:[stored messages], exported_at}`, written as it is read (the
 * history twice, page by page): the text of the whole session never exists at once.
 */
export async function* jsonExport(history: ChatHistoryStore, header: ExportHeader): AsyncGenerator<string> {
  const { exported_at, ...head } = header;
  const pages = () => messagePages(history, header.session_id, header.message_count);
  yield `${JSON.stringify(head).slice(0, -1)},"messages":[`;
  let first = true;
  for await (const { exchange } of exchangeGroups(pages())) {
    yield first ? JSON.stringify(exchange) : `,${JSON.stringify(exchange)}`;
    first = false;
  }
  yield '],"conversation":[';
  first = true;
  for await (const page of pages()) {
    const text = page.map((message) => JSON.stringify(message)).join(',');
    yield first ? text : `,${text}`;
    first = false;
  }
  yield `],"exported_at":${JSON.stringify(exported_at)}}\n`;
}

/**
 * JSON Lines: the session line (`type: "session"`), then one line per
 * exchange (`type: "exchange"`, 000's fields and its stored messages under
 * `conversation`).
 */
export async function* jsonlExport(history: ChatHistoryStore, header: ExportHeader): AsyncGenerator<string> {
  yield `${JSON.stringify({ type: 'session', ...header })}\n`;
  for await (const { exchange, messages } of exchangeGroups(
    messagePages(history, header.session_id, header.message_count),
  )) {
    yield `${JSON.stringify({ type: 'exchange', ...exchange, conversation: messages })}\n`;
  }
}

/** `session_<id>_<YYYYMMDD_HHMMSS>.json` as 000 named it (UTC). */
export function exportFileName(sessionId: string, at: Date, extension: 'json' | 'jsonl'): string {
  return `session_${sessionId}_${utcStamp(at)}.${extension}`;
}
