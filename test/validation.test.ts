import { describeValue, requireNonBlank } from '../src/validation';

describe('a bad value is described, never echoed (it may be long, binary or secret)', () => {
  it.each<[unknown, string]>([
    [null, 'null'],
    [undefined, 'undefined'],
    ['', 'an empty string'],
    [' \t', 'a blank string'],
    ['sk-secret', 'a string'],
    [42, 'a number'],
    [false, 'a boolean'],
    [new Uint16Array(2), 'an instance of Uint16Array'],
    [{ apiKey: 'sk-secret' }, 'an instance of Object'],
    [Object.create(null), 'an instance of Object (no prototype)'],
  ])('%p is %s', (value, description) => {
    expect(describeValue(value)).toBe(description);
  });

  it('a required text names the option and what it got', () => {
    expect(() => requireNonBlank('  ', 'model')).toThrow(new TypeError('model must be a non-empty string, got a blank string.'));
    expect(() => requireNonBlank(7, 'contextId')).toThrow(new TypeError('contextId must be a non-empty string, got a number.'));
    expect(() => requireNonBlank('sonic', 'model')).not.toThrow();
  });
});
