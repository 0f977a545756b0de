import { describe, expect, it } from 'vitest';
import { installHint } from './install.svelte';

const ipadOs =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';

describe('installHint', () => {
  it('gives the Share → Add to Home Screen steps on iPad and iPhone', () => {
    // iPadOS 13+ Safari says it is a Mac; its touch screen gives it away.
    expect(
      installHint({
        userAgent: ipadOs,
        platform: 'MacIntel',
        maxTouchPoints: 5,
        standalone: false,
      }),
    ).toBe('ios');
    expect(
      installHint({
        userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15',
        platform: 'iPhone',
        maxTouchPoints: 5,
        standalone: false,
      }),
    ).toBe('ios');
  });

  it('gives none on a Mac, on other systems, and once installed', () => {
    expect(
      installHint({
        userAgent: ipadOs,
        platform: 'MacIntel',
        maxTouchPoints: 0,
        standalone: false,
      }),
    ).toBeNull();
    expect(
      installHint({
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0',
        platform: 'Linux x86_64',
        maxTouchPoints: 0,
        standalone: false,
      }),
    ).toBeNull();
    expect(
      installHint({ userAgent: ipadOs, platform: 'MacIntel', maxTouchPoints: 5, standalone: true }),
    ).toBeNull();
  });
});
