import { describe, expect, it } from 'vitest';
import { retentionSummary, samePolicy } from './retention';

describe('retention present', () => {
  it('says what goes', () => {
    expect(retentionSummary({ visitors: 2, faces: 5, sightings: 3 })).toBe(
      'Deletes 2 visitors (5 pictures) and 3 visits.',
    );
    expect(retentionSummary({ visitors: 0, faces: 0, sightings: 1 }, 'Deleted')).toBe(
      'Deleted 1 visit.',
    );
    expect(retentionSummary({ visitors: 0, faces: 0, sightings: 0 })).toBe('Deletes nothing now.');
  });

  it('compares policies, off included', () => {
    const p = { visitorDays: 30, sightingMonths: null };
    expect(samePolicy(p, { ...p })).toBe(true);
    expect(samePolicy(p, null)).toBe(false);
    expect(samePolicy(null, null)).toBe(true);
    expect(samePolicy(p, { visitorDays: 30, sightingMonths: 6 })).toBe(false);
  });
});
