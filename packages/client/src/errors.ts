// A refusal from the API, as the problem (RFC 9457) it sent, typed.
import type { components } from './schema.js';

export type Problem = components['schemas']['Problem'];

/** A problem response (RFC 9457) from the API, typed. */
export class TasksApiError extends Error {
  override name = 'TasksApiError';
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly response: Response,
  ) {
    super(`${status} ${problem.title}: ${problem.detail}`);
  }

  /** The error for a refused response whose body has not been read yet. */
  static async from(response: Response): Promise<TasksApiError> {
    const text = await response.text().catch(() => '');
    let problem: Problem;
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      problem = { type: 'about:blank', title: response.statusText || `HTTP ${response.status}`, status: response.status, detail: text };
    }
    return new TasksApiError(response.status, problem, response);
  }
}
