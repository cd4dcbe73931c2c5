// src/api/openapi-backend-router.ts replaces openapi-backend's router methods with precompiled ones. This
// holds them to the library's own, on every path and method of the contract and on awkward paths, so that
// a release of openapi-backend that changes its routing rules is noticed here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenAPIBackend, type Document, type OpenAPIRouter } from 'openapi-backend';
import { precompileRouter } from '../../src/api/openapi-backend-router.js';
import { loadSpec } from '../../src/contract/spec.js';

async function router(precompiled: boolean): Promise<OpenAPIRouter> {
  const api = new OpenAPIBackend({ definition: loadSpec().document as unknown as Document, quick: true });
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
