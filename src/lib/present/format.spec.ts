import { describe, expect, it } from 'vitest';
import { formatAgo, formatBytes, plural } from './format';

describe('format', () => {
  it('formatBytes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB');
  });

  it('formatAgo', () => {
    const now = 1_000_000_000_000;
    expect(formatAgo(now - 10_000, now)).toBe('just now');
    expect(formatAgo(now - 5 * 60_000, now)).toMatch(/5 minutes ago/);
    expect(formatAgo(now - 2 * 3_600_000, now)).toMatch(/2 hours ago/);
  });

  it('plural', () => {
    expect(plural(1, 'visit')).toBe('1 visit');
    expect(plural(3, 'visit')).toBe('3 visits');
    expect(plural(2, 'person', 'people')).toBe('2 people');
  });
});
