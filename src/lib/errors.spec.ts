import { afterEach, describe, expect, it } from 'vitest';
import { AppError, describeError, handleError, setErrorSink } from './errors';
import { FaissError } from './faiss/errors';

afterEach(() => setErrorSink((message, error) => console.error(message, error)));

describe('errors', () => {
  it('every area error is an AppError with a kebab-case code', () => {
    const e = new FaissError('k-exceeds-ntotal', 'k > ntotal');
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({
      name: 'FaissError',
      code: 'k-exceeds-ntotal',
      message: 'k > ntotal',
    });
  });

  it('describes any thrown value, prefixed by what was being done', () => {
    expect(describeError(new Error('disk full'), 'Saving')).toBe('Saving: disk full');
    expect(describeError('plain')).toBe('plain');
    expect(describeError(42)).toBe('42');
  });

  it('reports to the sink (the toasts) by default, inline when asked, aborts nowhere', () => {
    const toasts: string[] = [];
    const inline: string[] = [];
    setErrorSink((message) => toasts.push(message));
    handleError(new Error('gone'), 'Reading');
    handleError(new Error('bad file'), 'Importing', { inline: (m) => inline.push(m) });
    handleError(new DOMException('stop', 'AbortError'), 'Reading');
    handleError(new DOMException('stop', 'AbortError'), 'Importing', {
      inline: (m) => inline.push(m),
    });
    expect(toasts).toEqual(['Reading: gone']);
    expect(inline).toEqual(['Importing: bad file']);
  });
});
