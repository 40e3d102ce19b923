import { describeValue, requireNonBlank, showValue } from '../src/validation';

describe('a bad text or object is described, never echoed (it may be long, binary or secret); a number is shown', () => {
  it.each<[unknown, string]>([
    [null, 'null'],
    [undefined, 'undefined'],
    ['', 'an empty string'],
    [' \t', 'a blank string'],
    ['sk-secret', 'a string'],
    [42, '42'],
    [Number.NaN, 'NaN'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [false, 'false'],
    [10n, '10n'],
    [new Uint16Array(2), 'an instance of Uint16Array'],
    [{ apiKey: 'sk-secret' }, 'an instance of Object'],
    [Object.create(null), 'an instance of Object (no prototype)'],
  ])('%p is %s', (value, description) => {
    expect(describeValue(value)).toBe(description);
  });

  it.each<[unknown, string]>([
    ['100', '"100"'],
    [Number.NaN, 'NaN'],
    [1.5, '1.5'],
    [undefined, 'undefined'],
    [{ apiKey: 'sk-secret' }, 'an instance of Object'],
  ])('where a message quotes an option, %p shows as %s', (value, shown) => {
    expect(showValue(value)).toBe(shown);
  });

  it('a required text names the option and what it got', () => {
    expect(() => requireNonBlank('  ', 'model')).toThrow(new TypeError('model must be a non-empty string, got a blank string.'));
    expect(() => requireNonBlank(7, 'contextId')).toThrow(new TypeError('contextId must be a non-empty string, got 7.'));
    expect(() => requireNonBlank('sonic', 'model')).not.toThrow();
  });
});
