import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from './router.svelte';

describe('parseRoute', () => {
  it.each([
    ['', { view: 'live' }],
    ['#/', { view: 'live' }],
    ['#/queue', { view: 'queue' }],
    ['#/queue/7', { view: 'queue', visitor: 7 }],
    ['#/queue/x', { view: 'queue' }],
    ['#/visits', { view: 'visits' }],
    ['#/people', { view: 'people' }],
    ['#/people/12', { view: 'person', id: 12 }],
    ['#/people/abc', { view: 'people' }],
    ['#/people/-3', { view: 'people' }],
    ['#/stats', { view: 'stats' }],
    ['#/settings', { view: 'settings' }],
    ['#/data', { view: 'data' }],
    ['#/nonsense', { view: 'live' }],
  ])('%s', (hash, want) => {
    expect(parseRoute(hash)).toEqual(want);
  });

  it('round-trips through routeHref', () => {
    for (const r of [
      { view: 'person', id: 4 },
      { view: 'stats' },
      { view: 'queue', visitor: 3 },
      { view: 'visits' },
    ] as const) {
      expect(parseRoute(routeHref(r))).toEqual(r);
    }
  });
});
