import { describe, expect, it } from 'vitest';
import { EngineError } from './errors.js';
import { assertValidFolder, validateFolder } from './validate-folder.js';

// The rule itself is tested where it lives, in @strongbox/contract; here, that the engine applies it.
describe('validateFolder', () => {
  it('accepts what the folder rule accepts', () => {
    expect(validateFolder('photos/2024')).toBeNull();
  });

  it.each([
    ['a/../b', 'The folder must not have "." or ".." segments'],
    ['x'.repeat(256), 'The folder must not have a segment longer than 255 bytes'],
    ['bad\ud800name', 'The folder must be well-formed Unicode: it has a lone surrogate'],
  ])('refuses %j in the words of the folder rule', (folder, message) => {
    expect(validateFolder(folder)).toBe(message);
  });
});

describe('assertValidFolder', () => {
  it('throws INVALID_FOLDER naming at most 100 characters of the folder', () => {
    const folder = `/${'x'.repeat(300)}`;
    let thrown: unknown;
    try {
      assertValidFolder(folder);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EngineError);
    expect(thrown).toMatchObject({
      code: 'INVALID_FOLDER',
      message: `The folder must be relative to the source root, not absolute: "/${'x'.repeat(99)}"… (301 characters)`,
    });
  });
});
