// RFC 9457 problem details. Anything may throw a Problem; only the funnel (errors.ts) writes one.
import { STATUS_CODES } from 'node:http';

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

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'Problem';
  }

  body(instance?: string): ProblemBody {
    return {
      type: 'about:blank',
      title: STATUS_CODES[this.status] ?? 'Error',
      status: this.status,
      detail: this.detail,
      ...(instance === undefined ? {} : { instance }),
      ...(this.options.errors ? { errors: this.options.errors } : {}),
    };
  }
}

export const problems = {
  notFound: (what: string) => new Problem(404, `${what} was not found.`),
  internal: () => new Problem(500, 'Something went wrong on our side. It has been logged.'),
  unavailable: (detail = 'The database is unavailable; try again shortly.') =>
    new Problem(503, detail, { headers: { 'Retry-After': '5' } }),
};
