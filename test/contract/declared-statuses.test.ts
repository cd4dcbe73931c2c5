// Every 4xx a client can cause is declared: what an operation takes decides what it can be answered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { loadSpec } from '../../src/contract/spec.js';

// Quick: only the operations are read here, so no validators are compiled (nor their format warnings printed),
// and the document is not checked against OpenAPI 3.0's meta-schema, which refuses 3.1.
const api = new OpenAPIBackend({ definition: loadSpec().document as unknown as Document, strict: true, quick: true });
await api.init();

describe('declared client errors', () => {
  for (const operation of api.getOperations()) {
    it(`${operation.operationId} declares every 4xx its inputs allow`, () => {
      const declared = Object.keys(operation.responses ?? {});
      const parameters = (operation.parameters ?? []) as Array<{ in: string; name: string }>;
      const expected = new Set(['400']); // any operation: an unknown query parameter
      if ((operation.security ?? []).length > 0) ['401', '429'].forEach((s) => expected.add(s));
      else if ((operation as { 'x-rate-limited'?: boolean })['x-rate-limited'] !== false) expected.add('429');
      if (operation.requestBody) ['413', '415'].forEach((s) => expected.add(s));
      if (parameters.some((p) => p.in === 'path' && p.name === 'id')) expected.add('404');
      if (parameters.some((p) => p.in === 'path' && p.name === 'user_id')) expected.add('403');
      if (parameters.some((p) => p.name === 'If-Match')) expected.add('412');
      if (parameters.some((p) => p.name === 'If-None-Match')) expected.add('304');
      if (parameters.some((p) => p.name === 'Idempotency-Key')) expected.add('422');
      assert.deepEqual([...expected].filter((s) => !declared.includes(s)), [], `declared: ${declared.join(', ')}`);
    });
  }
});
