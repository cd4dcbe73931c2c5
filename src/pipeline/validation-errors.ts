// Ajv's errors, as openapi-backend reports them, translated into the contract's field errors: which part of
// the request, a JSON Pointer into it, and a message a person can act on. No schema paths or Ajv internals.
import type { ErrorObject } from 'ajv';
import { Problem, type FieldError } from '../contract/problem.js';

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

/** What a rule asks, in words a person acts on; openapi.yaml's `x-error-message` where a pattern says it. */
function messageFor(error: ErrorObject): string {
  const schema = error.parentSchema as { 'x-error-message'?: string } | undefined;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'pattern':
    case 'format':
      return schema?.['x-error-message'] ?? (error.keyword === 'format' ? `must be a ${String(params.format)}` : 'has an invalid format');
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'type':
      return `must be ${[params.type].flat().map((type) => (type === 'null' ? 'null' : `${/^[aeiou]/.test(String(type)) ? 'an' : 'a'} ${String(type)}`)).join(' or ')}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}`;
    case 'minimum':
      return `must be at least ${String(params.limit)}`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters`;
    case 'minLength':
      return `must be at least ${String(params.limit)} characters`;
    case 'maxItems':
      return `must hold at most ${String(params.limit)} items`;
    case 'uniqueItems':
      return `must not repeat an item (items ${String(params.j)} and ${String(params.i)} are the same)`;
    case 'minProperties':
      return 'must contain at least one field';
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return (error.message ?? 'is invalid').replace(/\.+$/, '');
  }
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The 400 for a request's field errors: the first said in the detail, all of them listed. */
export function invalid(errors: FieldError[]): Problem {
  const [first] = errors;
  const where = first ? `${first.in}${first.field ? ` ${first.field}` : ''} ${first.message}` : 'it does not match the contract';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return new Problem(400, `The request is invalid: ${where}${more}.`, { errors });
}
