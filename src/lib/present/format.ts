/** Dates and numbers as people read them, in their own locale. */
export function formatDate(ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

export function formatDateTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "3 minutes ago", "yesterday", … (falls back to the date after a week). */
export function formatAgo(ms: number, nowMs = Date.now()): string {
  const s = Math.round((nowMs - ms) / 1000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (s < 45) return 'just now';
  if (s < 3600) return rtf.format(-Math.round(s / 60), 'minute');
  if (s < 86_400) return rtf.format(-Math.round(s / 3600), 'hour');
  if (s < 7 * 86_400) return rtf.format(-Math.round(s / 86_400), 'day');
  return formatDate(ms);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/**
 * A person's name inside a sentence built as a string (toasts, announcements,
 * attributes, joined lists), between FSI (U+2068) and PDI (U+2069): the name
 * keeps its own direction, and a direction override inside it (even one stored
 * before names were checked) ends at the PDI instead of reversing what follows.
 * In markup, names go in <bdi> instead.
 */
export function isolate(name: string): string {
  return `\u2068${name}\u2069`;
}
