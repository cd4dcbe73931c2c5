// Problem titles are the statuses' names as their RFCs give them, for every status the contract declares
// and every one the server sends outside it, and the contract's examples say the same.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSpec } from '../../src/contract/spec.js';
import { Problem } from '../../src/contract/problem.js';

/** RFC 9110 §15, the error classes, as the RFC spells them; then the three RFC 6585 adds. */
const RFC_TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Content Too Large',
  414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed',
  421: 'Misdirected Request', 422: 'Unprocessable Content', 426: 'Upgrade Required',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout', 505: 'HTTP Version Not Supported',
  428: 'Precondition Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
};
/**
 * Sent without a status of their own in the contract: a wrong method (405), a bug (500, the `default`
 * response), and before a request reaches the contract (src/pipeline/errors.ts) a slow request or huge headers.
 */
const OUTSIDE_THE_CONTRACT = [405, 408, 431, 500];

const spec = loadSpec().document;

function* walk(node: unknown): Generator<Record<string, unknown>> {
  if (!node || typeof node !== 'object') return;
  if (!Array.isArray(node)) yield node as Record<string, unknown>;
  for (const value of Object.values(node)) yield* walk(value);
}

const declaredErrorStatuses = new Set<number>(OUTSIDE_THE_CONTRACT);
for (const node of walk(spec)) {
  const responses = node.responses;
  if (!responses || typeof responses !== 'object') continue;
  for (const status of Object.keys(responses)) if (/^[45]\d\d$/.test(status)) declaredErrorStatuses.add(Number(status));
}

describe('problem titles', () => {
  it('when the contract is read, then it declares error statuses, 413 and 422 among them', () => {
    assert.ok(declaredErrorStatuses.has(413) && declaredErrorStatuses.has(422), [...declaredErrorStatuses].join(', '));
  });

  for (const status of [...declaredErrorStatuses].sort()) {
    it(`when the server answers ${status}, then the title is "${RFC_TITLES[status]}"`, () => {
      assert.ok(RFC_TITLES[status], `${status} is in RFC 9110 or RFC 6585`);
      assert.equal(new Problem(status, 'detail').body().title, RFC_TITLES[status]);
    });
  }

  it('when the contract shows a problem in an example, then its title is its status’s', () => {
    const examples = [...walk(spec)].filter((node) => typeof node.status === 'number' && typeof node.title === 'string');
    assert.ok(examples.length >= 10, 'the examples are found');
    assert.deepEqual(
      examples.filter((e) => e.title !== RFC_TITLES[e.status as number]).map((e) => `${String(e.status)} ${String(e.title)}`),
      [],
    );
  });
});
