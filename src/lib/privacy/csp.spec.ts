import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedders } from '../vision/registry';
import { CSP_DIRECTIVES, CSP_HEADER, CSP_META, MODEL_DOWNLOAD_HOSTS } from './csp';

const root = join(__dirname, '..', '..', '..');

/** Whether a CSP host source (`https://*.hf.co`) allows a URL (CSP3 host matching). */
function allows(source: string, url: URL): boolean {
  const m = /^(https?):\/\/(\*\.)?([^/]+)$/.exec(source);
  if (!m || `${m[1]}:` !== url.protocol) return false;
  return m[2] ? url.hostname.endsWith(`.${m[3]}`) : url.hostname === m[3];
}

describe('Content-Security-Policy', () => {
  it('is the same in index.html (meta), public/_headers and csp.ts', () => {
    const html = readFileSync(join(root, 'index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(CSP_META);
    const headers = readFileSync(join(root, 'public', '_headers'), 'utf8');
    expect(headers).toContain(`\n/*\n`);
    expect(headers).toContain(`  Content-Security-Policy: ${CSP_HEADER}\n`);
    expect(CSP_HEADER).toBe(`${CSP_META}; frame-ancestors 'none'`);
  });

  it('allows only the app itself, wasm, and the model host for connections', () => {
    const policy = new Map(CSP_DIRECTIVES);
    expect(policy.get('script-src')).toBe("'self' 'wasm-unsafe-eval'");
    expect(CSP_HEADER).not.toMatch(
      /'unsafe-eval'|\*(?!\.)|https?:\/\/(?!(\*\.)?(huggingface\.co|hf\.co)\b)/,
    );
    for (const [name, value] of CSP_DIRECTIVES) {
      for (const source of value.split(' ')) {
        const local = ["'self'", "'none'", 'blob:', 'data:', 'mediastream:', "'wasm-unsafe-eval'"];
        if (local.includes(source)) continue;
        if (source === "'unsafe-inline'") expect(name).toBe('style-src');
        else expect([name, source]).toEqual(['connect-src', expect.stringMatching(/^https:\/\//)]);
      }
    }
    expect(policy.get('object-src')).toBe("'none'");
    expect(policy.get('default-src')).toBe("'self'");
  });

  it('lets every downloadable model through, and nothing else remote', () => {
    const remote = embedders.flatMap((e) => (e.source.kind === 'remote' ? [e.source.url] : []));
    expect(remote.length).toBeGreaterThan(0);
    for (const url of remote) {
      expect(MODEL_DOWNLOAD_HOSTS.some((s) => allows(s, new URL(url)))).toBe(true);
    }
    // The CDN hosts Hugging Face redirects downloads to.
    for (const host of [
      'cdn-lfs.huggingface.co',
      'cdn-lfs-us-1.hf.co',
      'us.aws.cdn.hf.co',
      'cas-bridge.xethub.hf.co',
    ]) {
      expect(MODEL_DOWNLOAD_HOSTS.some((s) => allows(s, new URL(`https://${host}/x`)))).toBe(true);
    }
    for (const other of [
      'https://example.com/',
      'https://huggingface.co.evil.net/',
      'http://huggingface.co/',
    ]) {
      expect(MODEL_DOWNLOAD_HOSTS.some((s) => allows(s, new URL(other)))).toBe(false);
    }
  });
});
