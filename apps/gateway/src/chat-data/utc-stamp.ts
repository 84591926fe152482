/** `YYYYMMDD_HHMMSS` in UTC: the stamp 000 put in export file names and 002 in session ids. */
export function utcStamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}
