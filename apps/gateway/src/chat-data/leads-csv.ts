import type { LeadRow } from '@switchboard/contracts/chat-api';

const columns = [
  'session_id',
  'name',
  'email',
  'income',
  'income_bucket',
  'completed_at',
  'created_at',
] as const satisfies readonly (keyof LeadRow)[];

/**
 * One CSV field. A value a spreadsheet would run as a formula (leading `=`,
 * `+`, `-`, `@`, tab or carriage return: a lead types their own name) gets a
 * leading `'` so it stays text; then RFC 4180 quoting.
 */
export function csvField(value: string | null): string {
  if (value === null) return '';
  const inert = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(inert) ? `"${inert.replace(/"/g, '""')}"` : inert;
}

export const csvHeader = `${columns.join(',')}\r\n`;

export function csvLine(row: LeadRow): string {
  return `${columns.map((column) => csvField(row[column])).join(',')}\r\n`;
}
