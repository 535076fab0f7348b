import { describe, expect, it } from 'vitest';
import { engineErrorOf } from '../testing/engine-failure.js';
import { decodeConfig, encodeConfig, newConfig } from './config.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('the repository config', () => {
  it('records version 1, a random id, the chunker and when it was made, as plain JSON', () => {
    const config = newConfig(new Date('2026-12-06T23:00:00Z'));
    expect(config.id).toMatch(/^[0-9a-f]{64}$/);
    expect(newConfig().id).not.toBe(config.id);
    expect(JSON.parse(encodeConfig(config).toString())).toEqual({
      version: 1,
      id: config.id,
      chunker: { min: 524288, maskBits: 20, max: 8388608 },
      created: '2026-12-06T23:00:00.000Z',
    });
    expect(decodeConfig(encodeConfig(config))).toEqual(config);
  });

  it('refuses another format version with UNKNOWN_LAYOUT, whatever else the config holds', () => {
    const error = engineErrorOf(() => decodeConfig(json({ version: 2, something: 'new' })));
    expect({ code: error.code, message: error.message }).toEqual({
      code: 'UNKNOWN_LAYOUT',
      message: 'The repository has format version 2, which this Strongbox does not know (it knows 1)',
    });
    expect(engineErrorOf(() => decodeConfig(json({ version: '1' }))).message).toBe(
      'The repository has format version "1", which this Strongbox does not know (it knows 1)',
    );
  });

  it('refuses a version 1 config that does not parse with REPOSITORY_DAMAGED', () => {
    const config = newConfig();
    for (const bad of [
      {},
      { ...config, id: 'short' },
      { ...config, comment: 'a field the format does not name' },
      { ...config, chunker: { min: 10, maskBits: 20, max: 5 } },
      { ...config, chunker: { ...config.chunker, max: 2 ** 30 } },
    ]) {
      const error = engineErrorOf(() => decodeConfig(json(bad)));
      expect(error.code, JSON.stringify(bad)).toBe('REPOSITORY_DAMAGED');
      expect(error.message).toMatch(/^Repository damaged: the repository config does not parse: /);
    }
    expect(engineErrorOf(() => decodeConfig(Buffer.from('{'))).message).toBe(
      'Repository damaged: the repository config is not JSON',
    );
  });
});
