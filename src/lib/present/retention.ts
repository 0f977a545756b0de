/** Retention's counts and policies as sentences. */
import type { RetentionCounts, RetentionPolicy } from '../memory/base/types';
import { plural } from './format';

/** "Deletes 3 visitors (7 pictures) and 12 visits." or "Deletes nothing now." */
export function retentionSummary(c: RetentionCounts, verb = 'Deletes'): string {
  const parts: string[] = [];
  if (c.visitors) parts.push(`${plural(c.visitors, 'visitor')} (${plural(c.faces, 'picture')})`);
  if (c.sightings) parts.push(plural(c.sightings, 'visit'));
  return parts.length ? `${verb} ${parts.join(' and ')}.` : `${verb} nothing now.`;
}

/** Whether two policies (null: off) are the same. */
export function samePolicy(a: RetentionPolicy | null, b: RetentionPolicy | null): boolean {
  return a?.visitorDays === b?.visitorDays && a?.sightingMonths === b?.sightingMonths && !a === !b;
}
