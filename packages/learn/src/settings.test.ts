import { ClickTuneError } from '@clicktune/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, PAIRWISE_DEFAULTS, resolveSettings } from './settings';

describe('resolveSettings', () => {
  it('fills in the documented defaults, and the pairwise method its own', () => {
    expect(resolveSettings()).toEqual(DEFAULT_SETTINGS);
    expect(resolveSettings({ method: 'pairwise' })).toMatchObject({ method: 'pairwise', ...PAIRWISE_DEFAULTS });
    // A field given wins over the method's default; nested fields merge.
    expect(resolveSettings({ method: 'pairwise', epochs: 7, gate: { confidence: 0.9 }, clickLabels: { minClicks: 3 } })).toMatchObject({
      epochs: 7,
      gate: { confidence: 0.9, minQueries: 5, enabled: true },
      clickLabels: { minClicks: 3, threshold: 0.5 },
    });
    // undefined means "the default", as from a flag that was not given.
    expect(resolveSettings({ epochs: undefined }).epochs).toBe(20);
    expect(resolveSettings({ clickLabels: { threshold: undefined, minClicks: 1 }, gate: { confidence: undefined } })).toMatchObject({
      clickLabels: { threshold: 0.5, minClicks: 1 },
      gate: { confidence: 0.95 },
    });
  });

  it.each([
    [{ learningRate: 1e308 }, 'learningRate'],
    [{ learningRate: Number.NaN }, 'learningRate'],
    [{ weightDecay: -1 }, 'weightDecay'],
    [{ weightDecay: 1000 }, 'weightDecay'],
    [{ epochs: 1.5 }, 'epochs'],
    [{ validationFraction: 1 }, 'validationFraction'],
    [{ clickLabels: { minClicks: 0 } }, 'clickLabels.minClicks'],
    [{ method: 'listwise' as never }, 'method'],
    [{ gate: { confidence: 0.3 } }, 'gate.confidence'],
    [{ gate: { minQueries: -1 } }, 'gate.minQueries'],
    [{ hardNegativePool: -1 }, 'hardNegativePool'],
    [{ hardNegativePool: 2.5 }, 'hardNegativePool'],
  ])('rejects %j, naming %s', (input, field) => {
    let error: unknown;
    try {
      resolveSettings(input);
    } catch (caught) {
      error = caught;
    }
    expect(ClickTuneError.isInstance(error)).toBe(true);
    expect((error as ClickTuneError).code).toBe('invalid-option');
    expect((error as ClickTuneError).location.field).toBe(field);
  });
});
