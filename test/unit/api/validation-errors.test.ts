import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorObject } from 'ajv';
import { toFieldErrors } from '../../../src/api/validation-errors.js';

const error = (e: Partial<ErrorObject>): ErrorObject =>
  ({ keyword: 'type', instancePath: '', schemaPath: '#/x', params: {}, message: 'must be string', ...e }) as ErrorObject;

describe('toFieldErrors', () => {
  it('when a body field has the wrong type, then the error names the body and the pointer, without Ajv internals', () => {
    assert.deepEqual(toFieldErrors([error({ instancePath: '/requestBody/title' })]), [{ in: 'body', field: '/title', message: 'must be string' }]);
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

  it("when a pattern fails, then the message is the schema's description, not the regular expression", () => {
    const [result] = toFieldErrors([
      error({ keyword: 'pattern', instancePath: '/requestBody/title', parentSchema: { description: 'Trimmed;\n1–200 characters.' } }),
    ]);
    assert.deepEqual(result, { in: 'body', field: '/title', message: 'must follow the rule: Trimmed; 1–200 characters.' });
  });

  it('when an enum fails, then the allowed values are listed; duplicates are reported once', () => {
    const enumError = error({ keyword: 'enum', instancePath: '/query/sort', params: { allowedValues: ['created', 'title'] } });
    assert.deepEqual(toFieldErrors([enumError, enumError]), [{ in: 'query', field: '/sort', message: 'must be one of: created, title' }]);
  });
});
