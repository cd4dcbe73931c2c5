// A deviation from openapi-backend's documented use, for speed: its router rebuilds its operation list (lodash
// chains over the whole document) and compiles a RegExp per operation on every call, several times per
// request, and parses each request four times over (a deep copy of the query, the cookies, a path pattern
// compiled from the template each time), which bench:profile showed as some of the largest costs of a
// request. The document is fixed once initialized, so here the list is built once, the path patterns are
// compiled once, and a request is parsed without the repeated work, keeping the library's rules.
// test/pipeline/openapi-backend-router.test.ts holds this router to the library's own on every path and
// method of the contract and on requests of every shape, so a release that changes them is noticed.
import type { OpenAPIRouter } from 'openapi-backend';

/**
 * Matching keeps the library's rules (routing tests cover them): an exact path first, then path templates,
 * the most specific first; no path → 404, no method on a matching path → 405. (The API root is '/': every
 * normalized path is under it.)
 */
export function precompileRouter(router: OpenAPIRouter): void {
  const operations = router.getOperations();
  router.parseRequest = parseWith(router, router.parseRequest.bind(router));
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
    // The most specific template with this method that matches; the method is compared first, as it is cheaper.
    const match = templates.find(({ operation, pattern }) => operation.method === method && pattern.test(relative));
    if (match) return match.operation;
    if (!templates.some(({ pattern }) => pattern.test(relative))) return fail('404-notFound: no route matches request');
    return fail('405-methodNotAllowed: this method is not registered for the route');
  }) as OpenAPIRouter['matchOperation'];
}

/** An OpenAPI path template as a RegExp: /tasks/{id} matches /tasks/ followed by one path segment. */
function templatePattern(template: string): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${template.split(/\{[^}]+\}/).map(literal).join('[^/]+')}$`);
}

type Parse = OpenAPIRouter['parseRequest'];
type Request = Parameters<Parse>[0];
type Operation = NonNullable<Parameters<Parse>[1]>;
type Parameter = { in?: string; name?: string; explode?: boolean; style?: string; content?: Record<string, unknown> };

/**
 * The library's parseRequest with the work it repeats done once: the path pattern of each template is
 * compiled on first use, and the query (already parsed by express) is copied rather than re-encoded and
 * cloned through lodash. A request with cookies or a query string still to parse goes to the library's own.
 */
function parseWith(router: OpenAPIRouter, library: Parse): Parse {
  const patterns = new Map<string, (path: string) => Record<string, string>>();
  const paramsOf = (template: string) => {
    let parse = patterns.get(template);
    if (!parse) patterns.set(template, (parse = pathParams(template)));
    return parse;
  };
  return (req: Request, operation?: Operation) => {
    if (typeof req.query !== 'object' || req.query === null) return library(req, operation);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = value;
    if (headers.cookie !== undefined) return library(req, operation);
    let requestBody: unknown = req.body;
    if (req.body && typeof req.body !== 'object') {
      try {
        requestBody = JSON.parse(String(req.body));
      } catch {
        // as the library: validation reports a body that is not JSON
      }
    }
    const query = copy(req.query) as Record<string, unknown>;
    const normalized = router.normalizeRequest(req);
    let params: Record<string, string> = {};
    if (operation) {
      params = paramsOf(operation.path)(router.normalizePath(normalized.path));
      for (const name of Object.keys(query)) {
        if (!query[name]) continue;
        const parameter = (operation.parameters as Parameter[] | undefined)?.find((p) => !('$ref' in p) && p?.in === 'query' && p?.name === name);
        if (parameter) query[name] = styled(parameter, query[name]);
      }
    }
    // Written out, not `{ ...normalized, params, … }` as the library does: V8 builds an object whose spread
    // is followed by keys the source lacks far more slowly than this literal (docs/explanation/performance.md).
    return { method: normalized.method, path: normalized.path, body: req.body as unknown, params, headers, query, cookies: {}, requestBody };
  };
}

/** A query value as the library reads it for its parameter: JSON content parsed, non-exploded lists split. */
function styled(parameter: Parameter, raw: unknown): unknown {
  if (parameter.content?.['application/json']) {
    if (typeof raw !== 'string') return raw;
    try {
      return JSON.parse(raw);
    } catch {
      return raw; // validation reports it
    }
  }
  if (parameter.explode !== false || (Array.isArray(raw) && raw.length > 1)) return raw;
  const value: unknown = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string') return raw;
  let decoded = value.replace(/%2C/g, ',');
  if (parameter.style === 'spaceDelimited') decoded = decoded.replace(/ /g, ',').replace(/%20/g, ',');
  if (parameter.style === 'pipeDelimited') decoded = decoded.replace(/\|/g, ',').replace(/%7C/g, ',');
  return decoded.split(',');
}

/** bath-es5's params(), which the library compiles anew on every call: each {name} is one decoded segment. */
function pathParams(template: string): (path: string) => Record<string, string> {
  const names = (template.match(/\{[A-Za-z0-9_-]+\}/g) ?? []).map((name) => name.slice(1, -1));
  const pattern = new RegExp(`^${template.replace(/\{[A-Za-z0-9_-]+\}/g, '([^\\/]*)')}$`);
  return (path) => {
    const match = pattern.exec(path);
    if (!match) return {};
    const params: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) {
      const value = decodeURIComponent(match[i + 1]!);
      if (names[i]! in params && params[names[i]!] !== value) return {}; // a name twice, with two values
      params[names[i]!] = value;
    }
    return params;
  };
}

/** A deep copy of a parsed query: strings, arrays and plain objects. */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = copy(item);
    return out;
  }
  return value;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** The methods a path takes (RFC 9110 Allow): what the contract routes, plus HEAD wherever GET is, and OPTIONS. */
export function allowedMethods(router: OpenAPIRouter, path: string): string[] {
  const routed = METHODS.filter((method) => router.matchOperation({ method, path, headers: {}, query: {} }) !== undefined);
  if (routed.length === 0) return [];
  return [...routed.flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()])), 'OPTIONS'];
}
