/** ISO-8601 in UTC without milliseconds: `2026-11-25T16:35:38Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
