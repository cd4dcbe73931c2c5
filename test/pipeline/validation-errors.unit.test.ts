import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorObject } from 'ajv';
import { toFieldErrors } from '../../src/pipeline/validation-errors.js';

const error = (e: Partial<ErrorObject>): ErrorObject =>
  ({ keyword: 'type', instancePath: '', schemaPath: '#/x', params: {}, message: 'must be string', ...e }) as ErrorObject;

describe('toFieldErrors', () => {
  it('when a body field has the wrong type, then the error names the body and the pointer, without Ajv internals', () => {
    assert.deepEqual(toFieldErrors([error({ instancePath: '/requestBody/title', params: { type: 'string' } })]), [{ in: 'body', field: '/title', message: 'must be a string' }]);
    assert.deepEqual(toFieldErrors([error({ instancePath: '/requestBody/tags', params: { type: 'array' } })])[0]!.message, 'must be an array');
    assert.deepEqual(toFieldErrors([error({ instancePath: '/requestBody/description', params: { type: ['string', 'null'] } })])[0]!.message, 'must be a string or null');
  });

  it('when a field or query parameter is unknown, then it is named by its pointer', () => {
    assert.deepEqual(
      toFieldErrors([
        error({ keyword: 'additionalProperties', instancePath: '/requestBody', params: { additionalProperty: 'a/b' } }),
        error({ keyword: 'additionalProperties', instancePath: '/query', params: { additionalProperty: 'color' } }),
      ]),
      [
        { in: 'body', field: '/a~1b', message: 'is not a known field' },
        { in: 'query', field: '/color', message: 'is not a known query parameter' },
      ],
    );
  });

  it('when the body or a required field is missing, then it says so', () => {
    assert.deepEqual(toFieldErrors([error({ keyword: 'required', params: { missingProperty: 'requestBody' } })]), [
      { in: 'body', field: '', message: 'a JSON body is required' },
    ]);
    assert.deepEqual(toFieldErrors([error({ keyword: 'required', instancePath: '/requestBody', params: { missingProperty: 'title' } })]), [
      { in: 'body', field: '/title', message: 'is required' },
    ]);
  });

  it("when a pattern or a format fails, then the message is the schema's x-error-message, not the regular expression or its description", () => {
    const [result] = toFieldErrors([
      error({ keyword: 'pattern', instancePath: '/requestBody/title', parentSchema: { description: 'Trimmed;\n1–200 **code points**.', 'x-error-message': 'must be 1–200 characters' } }),
    ]);
    assert.deepEqual(result, { in: 'body', field: '/title', message: 'must be 1–200 characters' });
    assert.equal(toFieldErrors([error({ keyword: 'pattern', parentSchema: { description: 'A rule.' } })])[0]!.message, 'has an invalid format');
    assert.equal(toFieldErrors([error({ keyword: 'format', params: { format: 'date-time' }, parentSchema: {} })])[0]!.message, 'must be a date-time');
  });

  it('when a bound is broken, then the message names the bound in words, and no message ends with a full stop', () => {
    const messages = toFieldErrors([
      error({ keyword: 'maximum', instancePath: '/path/id', params: { limit: 9007199254740991 } }),
      error({ keyword: 'minimum', instancePath: '/query/limit', params: { limit: 1 } }),
      error({ keyword: 'maxLength', instancePath: '/requestBody/description', params: { limit: 1000 } }),
      error({ keyword: 'maxItems', instancePath: '/requestBody/tags', params: { limit: 20 } }),
      error({ keyword: 'uniqueItems', instancePath: '/requestBody/tags', params: { i: 1, j: 0 } }),
      error({ keyword: 'somethingNew', instancePath: '/requestBody/x', message: 'must be something.' }),
    ]).map((e) => e.message);
    assert.deepEqual(messages, [
      'must be at most 9007199254740991',
      'must be at least 1',
      'must be at most 1000 characters',
      'must hold at most 20 items',
      'must not repeat an item (items 0 and 1 are the same)',
      'must be something',
    ]);
  });

  it('when an enum fails, then the allowed values are listed; duplicates are reported once', () => {
    const enumError = error({ keyword: 'enum', instancePath: '/query/sort', params: { allowedValues: ['created', 'title'] } });
    assert.deepEqual(toFieldErrors([enumError, enumError]), [{ in: 'query', field: '/sort', message: 'must be one of: created, title' }]);
  });
});
