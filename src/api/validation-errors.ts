// Ajv's errors, as openapi-backend reports them, translated into the contract's field errors: which part of
// the request, a JSON Pointer into it, and a message a person can act on. No schema paths or Ajv internals.
import type { ErrorObject } from 'ajv';
import type { FieldError } from '../http/problem.js';

const PARTS: Record<string, FieldError['in']> = { requestBody: 'body', query: 'query', path: 'path', header: 'header' };
const NOUN: Record<FieldError['in'], string> = { body: 'field', query: 'query parameter', path: 'path parameter', header: 'header' };

export function toFieldErrors(errors: readonly ErrorObject[]): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of errors) {
    const fieldError = translate(error);
    const key = `${fieldError.in}${fieldError.field}${fieldError.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      result.push(fieldError);
    }
  }
  return result;
}

function translate(error: ErrorObject): FieldError {
  // instancePath looks like /requestBody/tags/3 or /query; a missing body shows up as a missing property.
  const [, first = '', ...rest] = error.instancePath.split('/');
  const params = error.params as Record<string, unknown>;
  if (first === '' && params.missingProperty === 'requestBody') {
    return { in: 'body', field: '', message: 'a JSON body is required' };
  }
  const part = PARTS[first] ?? 'body';
  let field = rest.length > 0 ? `/${rest.join('/')}` : '';
  if (error.keyword === 'additionalProperties') {
    field += `/${escape(String(params.additionalProperty))}`;
    return { in: part, field, message: `is not a known ${NOUN[part]}` };
  }
  if (error.keyword === 'required') {
    field += `/${escape(String(params.missingProperty))}`;
    return { in: part, field, message: 'is required' };
  }
  return { in: part, field, message: messageFor(error) };
}

function messageFor(error: ErrorObject): string {
  const schema = error.parentSchema as { description?: string } | undefined;
  switch (error.keyword) {
    // A pattern is unreadable as a message; the schema's description says the rule in words.
    case 'pattern':
      return schema?.description ? `must follow the rule: ${schema.description.trim().split('\n').join(' ')}` : 'has an invalid format';
    case 'enum':
      return `must be one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    case 'minProperties':
      return 'must contain at least one field';
    default:
      return error.message ?? 'is invalid';
  }
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
