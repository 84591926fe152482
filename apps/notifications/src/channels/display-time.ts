/** "2025-01-04 10:00 UTC": one unambiguous form for every reader, whatever their time zone; '' when not a time. */
export function formatUtc(value: unknown): string {
  const date = typeof value === 'string' || value instanceof Date ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) return '';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
