// The one deviation from openapi-backend's documented use: its router rebuilds its operation list (lodash
// chains over the whole document) and compiles a RegExp per operation on every call, several times per
// request, which bench:profile showed as one of the largest costs of a request. The document is fixed
// once initialized, so here the list is built once and the path patterns compiled once, keeping the
// library's matching rules. test/integration/openapi-backend-router.test.ts holds this router to the
// library's own on every path and method of the contract, so a release that changes them is noticed.
import type { OpenAPIRouter } from 'openapi-backend';

/**
 * Matching keeps the library's rules (routing tests cover them): an exact path first, then path templates,
 * the most specific first; no path → 404, no method on a matching path → 405. (The API root is '/': every
 * normalized path is under it.)
 */
export function precompileRouter(router: OpenAPIRouter): void {
  const operations = router.getOperations();
  const byId = new Map(operations.map((operation) => [operation.operationId, operation]));
  const templates = operations
    .map((operation) => ({ operation, pattern: templatePattern(operation.path), specificity: operation.path.replace(/\{.*?\}/g, '').length }))
    .sort((a, b) => b.specificity - a.specificity); // stable: equally specific paths keep the document's order
  router.getOperations = () => operations;
  router.getOperation = (operationId) => byId.get(operationId);
  router.matchOperation = ((request: Parameters<OpenAPIRouter['matchOperation']>[0], strict?: boolean) => {
    const { path, method } = router.normalizeRequest(request);
    const fail = (message: string) => {
      if (strict) throw new Error(message);
      return undefined;
    };
    const relative = router.normalizePath(path);
    const exact = operations.find((operation) => operation.path === relative && operation.method === method);
    if (exact) return exact;
    const matching = templates.filter(({ pattern }) => pattern.test(relative));
    if (matching.length === 0) return fail('404-notFound: no route matches request');
    return matching.find(({ operation }) => operation.method === method)?.operation ?? fail('405-methodNotAllowed: this method is not registered for the route');
  }) as OpenAPIRouter['matchOperation'];
}

/** An OpenAPI path template as a RegExp: /tasks/{id} matches /tasks/ followed by one path segment. */
function templatePattern(template: string): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${template.split(/\{[^}]+\}/).map(literal).join('[^/]+')}$`);
}

