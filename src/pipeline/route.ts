// The express side of the contract: OPTIONS is answered from the routes (204 and Allow), HEAD is routed as
// GET (Node sends the headers and drops the body), and everything else goes through the checks in their
// order (checks.ts) to the operation's handler. The body is not read here: the checks read it, if at all.
import type { Request, RequestHandler } from 'express';
import type { InFlight } from './in-flight.js';
import { Problem, problems } from '../contract/problem.js';
import { allowedMethods, type ContractRequest } from './checks.js';
import type { Contract } from './openapi.js';

export function routeByContract(api: Contract, inFlight: InFlight): RequestHandler {
  // openapi-backend copies and lower-cases the request's headers several times per request; it is given only
  // those the contract can use: the declared header parameters, the token, and the body's type.
  const contractHeaders = new Set(['authorization', 'content-type']);
  for (const operation of api.router.getOperations()) {
    for (const parameter of (operation.parameters ?? []) as Array<{ in: string; name: string }>) {
      if (parameter.in === 'header') contractHeaders.add(parameter.name.toLowerCase());
    }
  }
  const headersOf = (req: Request) => {
    const headers: Record<string, string | string[]> = {};
    for (const name of contractHeaders) {
      const value = req.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  };

  return (req, res, next) => {
    // openapi-backend decodes path parameters with decodeURIComponent, which throws on malformed
    // percent-encoding (found by the contract fuzzer: /api/tasks/%ff was a 500).
    if (!isDecodable(req.path)) {
      next(new Problem(400, 'The path is not valid percent-encoded UTF-8.', { errors: [{ in: 'path', field: '', message: 'is not valid percent-encoded UTF-8' }] }));
      return;
    }
    if (req.method === 'OPTIONS') {
      const allow = allowedMethods(api.router, req.path);
      if (allow.length === 0) {
        next(problems.notFound(req.path));
        return;
      }
      res.setHeader('Allow', allow.join(', '));
      res.status(204).end();
      return;
    }
    const request: ContractRequest = {
      method: req.method === 'HEAD' ? 'GET' : req.method,
      path: req.path,
      query: req.query as Record<string, string | string[]>,
      headers: headersOf(req),
      body: undefined, // read by the checks, once the request may have it read
    };
    // Done when the handler is, even one the dispatcher stopped waiting for (its deadline passed).
    const handled = api.serve(req, res, request).catch(next).then(() => res.locals.context.abandoned);
    res.locals.context.handled = handled;
    inFlight.track(handled);
  };
}

function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

