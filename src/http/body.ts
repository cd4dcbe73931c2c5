// JSON request bodies. The size limit is enforced while reading (413 at once, nothing buffered past it), but a
// body that is not JSON is only *recorded* here: the contract answers 401/403 before 400/415, so the problem
// is raised after authentication (see api/hooks.ts).
import express, { type Request, type RequestHandler, type Response } from 'express';
import { Problem, type FieldError } from './problem.js';

export const BODY_LIMIT_BYTES = 16 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function jsonBody(): RequestHandler {
  const read = express.raw({ type: () => true, limit: BODY_LIMIT_BYTES });
  return (req, res, next) => {
    read(req, res, (error?: unknown) => {
      if (error) {
        next(error);
        return;
      }
      const raw: unknown = req.body;
      req.body = undefined;
      if (Buffer.isBuffer(raw) && raw.length > 0) {
        const parsed = parseJson(req, raw);
        if (parsed instanceof Problem) res.locals.bodyProblem = parsed;
        else req.body = parsed.value;
      }
      next();
    });
  };
}

export function deferredBodyProblem(res: Response): Problem | undefined {
  return res.locals.bodyProblem as Problem | undefined;
}

function parseJson(req: Request, raw: Buffer): Problem | { value: unknown } {
  if (!req.is(['application/json', 'application/*+json'])) {
    const type = req.headers['content-type'] ?? 'no Content-Type';
    return new Problem(415, `The body must be application/json, not ${type}.`);
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return bodyError('The body is not valid UTF-8.');
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return bodyError(`The body is not valid JSON: ${(error as Error).message}.`);
  }
}

function bodyError(message: string): Problem {
  return new Problem(400, message, { errors: [{ in: 'body', field: '', message }] });
}

/**
 * Finds strings PostgreSQL cannot store faithfully: U+0000 (text cannot hold it) and lone UTF-16 surrogates
 * (they would be silently replaced by U+FFFD, so two different inputs would become one value). Keys count too.
 */
export function findIllFormedStrings(value: unknown, part: FieldError['in']): FieldError[] {
  const found: FieldError[] = [];
  // Iterative, in document order: a 16 KiB body can nest thousands of levels deep.
  const stack: Array<{ value: unknown; pointer: string; badName?: boolean }> = [{ value, pointer: '' }];
  while (stack.length > 0) {
    const { value: current, pointer, badName } = stack.pop()!;
    if (badName) found.push({ in: part, field: pointer, message: 'has a name with U+0000 or a lone UTF-16 surrogate' });
    if (typeof current === 'string') {
      if (current.includes('\u0000')) found.push({ in: part, field: pointer, message: 'must not contain U+0000' });
      else if (!current.isWellFormed()) found.push({ in: part, field: pointer, message: 'must not contain a lone UTF-16 surrogate' });
    } else if (current && typeof current === 'object') {
      for (const [key, inner] of Object.entries(current).reverse()) {
        const child = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        stack.push({ value: inner, pointer: child, badName: key.includes('\u0000') || !key.isWellFormed() });
      }
    }
  }
  return found;
}
