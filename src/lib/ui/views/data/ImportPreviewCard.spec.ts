/**
 * A stored name can still hold a direction override (from before names were checked,
 * or written by another app): the preview renders every name in its own <bdi>, which
 * HTML isolates, so an unterminated U+202E ends with its name and the next one reads
 * as written.
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../../memory/transfer/import-run';
import ImportPreviewCard from './ImportPreviewCard.svelte';

const RLO = '\u202e';

function preview(over: Partial<ImportPreview>): ImportPreview {
  return {
    id: 'p1',
    kind: 'backup',
    mode: 'merge',
    file: { createdAt: '2026-03-01T10:00:00.000Z', appVersion: '0.1.0', encrypted: false },
    models: [],
    memoryModel: { id: 'm', dim: 16 },
    settings: null,
    faiss: null,
    warnings: [],
    counts: {
      newPersons: 2,
      grownPersons: 1,
      samples: 4,
      duplicateSamples: 0,
      samplesWithoutVector: 0,
      crops: 0,
      cropsTooLarge: 0,
      sightings: 0,
      duplicateSightings: 0,
      unlabeled: 0,
      duplicateUnlabeled: 0,
      samplesByModel: {},
      cropsByModel: {},
    },
    newNames: [`Bo${RLO}`, 'Ada'],
    grown: [{ name: `Cy${RLO}`, samples: 2 }],
    transactions: 1,
    keptIds: false,
    ...over,
  };
}

describe('ImportPreviewCard', () => {
  it('isolates each name in its own <bdi>, so an override in one cannot reach the next', () => {
    const { body } = render(ImportPreviewCard, {
      props: { preview: preview({}), busy: false, onapply: () => {}, oncancel: () => {} },
    });
    const text = body.replace(/<!--[^>]*-->/g, '');
    expect(text).toContain(`<bdi>Bo${RLO}</bdi>, <bdi>Ada</bdi>`);
    expect(text).toContain(`<bdi>Cy${RLO}</bdi> (+2)`);
    // No name outside a <bdi>: each override sits inside one.
    expect(text.replace(/<bdi>[^<]*<\/bdi>/g, '')).not.toContain(RLO);
  });

  it('names the original’s model from its dimension, and none for 512-d', () => {
    const original = (file: ImportPreview['file']) =>
      render(ImportPreviewCard, {
        props: {
          preview: preview({ kind: 'python-original', file }),
          busy: false,
          onapply: () => {},
          oncancel: () => {},
        },
      }).body.replace(/<!--[^>]*-->/g, '');
    const known = original({ dim: 768, modelId: 'dinov3-vitb16', modelName: 'DINOv3 ViT-B/16' });
    expect(known).toContain('DINOv3 ViT-B/16 (768-d)');
    const unknown = original({ dim: 512, modelId: 'python-original-512d', modelName: null });
    expect(unknown).toContain('<strong>512-d</strong>, which matches no model this app');
    expect(unknown).not.toContain('DINOv3');
  });
});
