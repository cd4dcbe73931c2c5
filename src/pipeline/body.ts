// JSON request bodies. A body is read only for an operation that takes one, and only once the request has
// passed routing, authentication and the path-user check: a request refused before its body matters (404,
// 405, 401, 403, 429) never has it read. A declared length over the limit is refused before anything else;
// a body without a declared length is cut off as soon as it passes the limit. Compressed bodies are refused
// rather than inflated, so the limit bounds what the API holds. The JSON is decoded exactly once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import getRawBody from 'raw-body';
import { Problem } from '../contract/problem.js';

export const BODY_LIMIT_BYTES = 16 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether the request carries a body (HTTP/1.1 §6.3: a Transfer-Encoding, or a Content-Length above 0). */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** A declared Content-Length over the limit is refused at once, whatever the route or the token. */
export function oversizedBody(req: IncomingMessage): Problem | undefined {
  const declared = req.headers['content-length'];
  return declared !== undefined && Number(declared) > BODY_LIMIT_BYTES ? tooLarge() : undefined;
}

/**
 * Reads and decodes the body. Returns what openapi-backend should be given: a decoded object or array as is,
 * and any other JSON value (a string, a number) as its text, which openapi-backend decodes itself; given a
 * decoded string it would decode that string again. Throws the 415, 413 or 400 Problem.
 * `accepted`: the media types the operation declares (all JSON); any other, even another `+json`, is a 415.
 */
export async function readJsonBody(req: Request, res: ServerResponse, accepted: readonly string[]): Promise<unknown> {
  if (!req.is([...accepted])) {
    throw new Problem(415, `The body must be ${accepted.join(' or ')}, not ${req.headers['content-type'] ?? 'no Content-Type'}.`);
  }
  const encoding = req.headers['content-encoding']?.trim().toLowerCase() ?? 'identity';
  if (encoding !== 'identity') {
    throw new Problem(415, `The body must not be compressed (Content-Encoding: ${encoding.slice(0, 40)}).`);
  }
  if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue(); // only now is the body wanted
  let raw: Buffer;
  try {
    raw = await getRawBody(req, { limit: BODY_LIMIT_BYTES, length: req.headers['content-length'] });
  } catch (error) {
    throw (error as { type?: string }).type === 'entity.too.large'
      ? tooLarge()
      : new Problem(400, 'The request was aborted while its body was being read.');
  }
  if (raw.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw bodyError('The body is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw bodyError(`The body is not valid JSON: ${(error as Error).message}.`);
  }
  return value !== null && typeof value === 'object' ? value : text;
}

function tooLarge(): Problem {
  return new Problem(413, `The body is larger than ${BODY_LIMIT_BYTES} bytes.`);
}

function bodyError(message: string): Problem {
  return new Problem(400, message, { errors: [{ in: 'body', field: '', message }] });
}
