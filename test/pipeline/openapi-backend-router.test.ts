// src/pipeline/openapi-backend-router.ts replaces openapi-backend's router methods with precompiled ones. This
// holds them to the library's own, on every path and method of the contract, on awkward paths, and on
// requests of every shape, so that a release of openapi-backend that changes its rules is noticed here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenAPIBackend, type Document, type OpenAPIRouter } from 'openapi-backend';
import { precompileRouter } from '../../src/pipeline/openapi-backend-router.js';
import { loadSpec } from '../../src/contract/spec.js';

async function router(precompiled: boolean, definition = loadSpec().document as unknown as Document): Promise<OpenAPIRouter> {
  const api = new OpenAPIBackend({ definition, quick: true });
  await api.init();
  if (precompiled) precompileRouter(api.router);
  return api.router;
}

function outcome(router: OpenAPIRouter, method: string, path: string): string {
  try {
    return router.matchOperation({ method, path, headers: {}, query: {} }, true)?.operationId ?? 'none';
  } catch (error) {
    return (error as Error).message.slice(0, 3); // 404 or 405
  }
}

describe('the precompiled router', () => {
  it('when any method asks for any path, then it routes exactly as openapi-backend does', async () => {
    const [library, ours] = await Promise.all([router(false), router(true)]);
    const templates = library.getOperations().map((operation) => operation.path);
    const paths = new Set<string>();
    for (const template of templates) {
      for (const [user, id] of [['ada', '1'], ['tasks', 'tasks'], ['a%20b', '9007199254740993'], ['x', '']] as const) {
        paths.add(template.replace('{user_id}', user).replace('{id}', id));
      }
    }
    for (const extra of ['/', '/api', '/api/tasks/', '/api/tasks//', '/api//tasks', '/api/tasks/1/complete/', '/api/a/b/tasks', '/nowhere', '/api/tasks/1/x', '/docs/']) paths.add(extra);
    const methods = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'];
    let compared = 0;
    for (const path of paths) {
      for (const method of methods) {
        assert.equal(outcome(ours, method, path), outcome(library, method, path), `${method.toUpperCase()} ${path}`);
        compared++;
      }
    }
    assert.ok(compared > 200, `${compared} comparisons`);
    assert.deepEqual(ours.getOperations(), library.getOperations());
    for (const { operationId } of library.getOperations()) assert.deepEqual(ours.getOperation(operationId!), library.getOperation(operationId!));
  });
});

describe('the precompiled request parser', () => {
  it('when any request is parsed, with or without its operation, then the result is the library’s', async () => {
    const [library, ours] = await Promise.all([router(false), router(true)]);
    // What the library returns, as plain data (its cookie parser makes objects without a prototype).
    const plain = (parsed: unknown) => JSON.parse(JSON.stringify(parsed)) as unknown;
    const queries: Array<Record<string, string | string[]>> = [
      {},
      { limit: '50', sort: 'due_date', q: 'milk' },
      { tag: ['work', 'home'], completed: 'true' },
      { tag: 'work,home', status: '' },
      { cursor: 'a%2Cb', 'weird key': ' x ' },
    ];
    const headerSets: Array<Record<string, string | string[]>> = [
      {},
      { authorization: 'Bearer x', 'content-type': 'application/json' },
      { 'If-Match': '"3"', 'Idempotency-Key': 'k1' },
      { cookie: 'a=1; b=2', 'x-many': ['1', '2'] },
    ];
    const bodies: unknown[] = [undefined, { title: 'Milk' }, '{"title":"x"}', 'not json', ''];
    let compared = 0;
    for (const operation of [undefined, ...library.getOperations()]) {
      const paths = operation
        ? ['ada', 'a%20b', '', 'tasks'].map((user) => operation.path.replace('{user_id}', user).replace('{id}', user === 'ada' ? '7' : user))
        : ['/api/tasks', ' /api/tasks/1/ ', 'api/tasks?x=1'];
      for (const path of paths) {
        for (const [i, query] of queries.entries()) {
          const headers = headerSets[i % headerSets.length]!;
          const body = bodies[i % bodies.length];
          for (const method of ['GET', 'post']) {
            const request = () => ({ method, path, query: structuredClone(query), headers: { ...headers }, body });
            assert.deepEqual(plain(ours.parseRequest(request(), operation)), plain(library.parseRequest(request(), operation)), `${method} ${path} ${JSON.stringify(query)}`);
            compared++;
          }
        }
      }
    }
    // Parameter styles the contract does not use (yet), each as the library reads it.
    const styles: Document = {
      openapi: '3.1.0',
      info: { title: 'styles', version: '1' },
      paths: {
        '/things/{a}/{b}': {
          get: {
            operationId: 'things',
            parameters: [
              { in: 'path', name: 'a', required: true, schema: { type: 'string' } },
              { in: 'path', name: 'b', required: true, schema: { type: 'string' } },
              { in: 'query', name: 'ids', explode: false, schema: { type: 'array', items: { type: 'string' } } },
              { in: 'query', name: 'spaced', explode: false, style: 'spaceDelimited', schema: { type: 'array', items: { type: 'string' } } },
              { in: 'query', name: 'piped', explode: false, style: 'pipeDelimited', schema: { type: 'array', items: { type: 'string' } } },
              { in: 'query', name: 'filter', content: { 'application/json': { schema: { type: 'object' } } } },
            ],
            responses: { 200: { description: 'ok' } },
          },
        },
      },
    };
    const [libraryStyles, ourStyles] = await Promise.all([router(false, styles), router(true, styles)]);
    const things = libraryStyles.getOperation('things')!;
    for (const query of [
      { ids: '1,2%2C3', spaced: 'a b%20c', piped: 'a|b%7Cc', filter: '{"x":1}' },
      { ids: ['1', '2'], spaced: ['a'], piped: '', filter: 'not json' },
    ]) {
      for (const path of ['/things/x/y', '/things/a%2Fb/', '/things/1']) {
        const request = () => ({ method: 'GET', path, query: structuredClone(query), headers: {} });
        assert.deepEqual(plain(ourStyles.parseRequest(request(), things)), plain(libraryStyles.parseRequest(request(), things)), `${path} ${JSON.stringify(query)}`);
      }
    }
    // A query still to parse (a string) goes to the library, and so does a request with cookies.
    const raw = { method: 'GET', path: '/api/tasks', query: 'tag=a&tag=b', headers: {} } as unknown as Parameters<OpenAPIRouter['parseRequest']>[0];
    assert.deepEqual(plain(ours.parseRequest(raw)), plain(library.parseRequest(raw)));
    assert.ok(compared > 500, `${compared} comparisons`);
  });
});
