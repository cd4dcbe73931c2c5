// The caller of a task operation: every one of them is behind bearerAuth, so a principal is always there.
import { problems } from '../contract/problem.js';
import type { HandlerContext, OperationId } from './handler.js';

export function caller(c: HandlerContext<OperationId>) {
  if (!c.principal) throw problems.internal(); // unreachable: openapi-backend refused the request before
  return c.principal;
}
