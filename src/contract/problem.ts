// RFC 9457 problem details. Anything may throw a Problem; only the funnel (errors.ts) writes one.
import { statusTitle } from './status-titles.js';

export interface FieldError {
  in: 'body' | 'query' | 'path' | 'header';
  /** JSON Pointer into that part of the request; '' for the part as a whole. */
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
}

/** A problem body stays small whatever the request: this many field errors at most, each of bounded length. */
export const MAX_FIELD_ERRORS = 20;
const MAX_FIELD_LENGTH = 200;
const MAX_TEXT_LENGTH = 500;

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${Array.from(text).slice(0, max - 1).join('')}…`; // by code point: never half a surrogate pair
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'Problem';
  }

  body(instance?: string): ProblemBody {
    return {
      type: 'about:blank',
      title: statusTitle(this.status),
      status: this.status,
      detail: clip(this.detail, MAX_TEXT_LENGTH),
      ...(instance === undefined ? {} : { instance }),
      ...(this.options.errors
        ? {
            errors: this.options.errors
              .slice(0, MAX_FIELD_ERRORS)
              .map((e) => ({ in: e.in, field: clip(e.field, MAX_FIELD_LENGTH), message: clip(e.message, MAX_TEXT_LENGTH) })),
          }
        : {}),
    };
  }
}

export const problems = {
  notFound: (what: string) => new Problem(404, `${what} was not found.`),
  internal: () => new Problem(500, 'Something went wrong on our side. It has been logged.'),
  /** `cause`: what failed, for the log; never shown to the client. */
  unavailable: (detail = 'The database is unavailable; try again shortly.', cause?: unknown) =>
    new Problem(503, detail, { headers: { 'Retry-After': '5' }, cause }),
  /** One statement ran past the database's bound (waiting on a lock, say): not an outage, and told apart. */
  statementCancelled: () =>
    new Problem(503, 'The database cancelled this request for taking longer than one statement may (another request may be holding the task); try again shortly.', {
      headers: { 'Retry-After': '5' },
    }),
};
