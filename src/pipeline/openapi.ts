// openapi-backend over openapi.yaml: routes by operationId, validates every request, and dispatches to the
// typed handler table (`satisfies HandlerTable` is what guarantees a handler for every operation: strict mode
// only refuses handlers for unknown operationIds, and a missing one would be a 501 at request time).
import { dereference } from '@apidevtools/json-schema-ref-parser';
import addFormats from 'ajv-formats';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { bearerAuth, metricsAuth } from '../auth/security.js';
import type { VerifyToken } from '../auth/tokens.js';
import type { Spec } from '../contract/spec.js';
import type { RateLimiter } from './rate-limit.js';
import { dispatchTo, type AnyHandler } from './dispatch.js';
import { createHooks } from './checks.js';
import { precompileRouter } from './openapi-backend-router.js';
import type { HandlerTable, OperationId } from './handler.js';

export async function createOpenApi(
  spec: Spec,
  handlers: HandlerTable,
  verifyToken: VerifyToken,
  limiter: RateLimiter | undefined,
  answerMs: number,
  metricsToken: string | undefined,
): Promise<OpenAPIBackend> {
  const api = new OpenAPIBackend({
    // Dereferenced here (json-schema-ref-parser keeps the `default`s written beside $refs), so that quick mode
    // has nothing left to dereference: its own synchronous dereferencing drops those defaults.
    definition: await dereference<Document>(structuredClone(spec.document) as Document),
    strict: true,
    // Quick mode compiles validators on first use instead of all of them, responses included, at start-up (most
    // of the start-up time); the request validators are compiled below, before the first request. It also skips
    // the check of the document against OpenAPI 3.0's meta-schema, which rejects 3.1 (`npm run lint:spec`
    // checks it as 3.1).
    quick: true,
    coerceTypes: true,
    // verbose: errors carry their schema, so messages can use its description; useDefaults: the spec's
    // defaults (status, sort, a new task's fields) are applied by the validator, not restated in code.
    // validateSchema: false: openapi-backend makes an Ajv per operation, and each would compile JSON Schema's
    // meta-schema to check schemas that `npm run lint:spec` already checks.
    ajvOpts: { verbose: true, allErrors: true, useDefaults: true, validateSchema: false },
    customizeAjv: (ajv) => {
      addFormats.default(ajv);
      return ajv;
    },
  });
  api.registerSecurityHandler('bearerAuth', bearerAuth(verifyToken));
  api.registerSecurityHandler('metricsAuth', metricsAuth(metricsToken));
  api.register(createHooks(limiter));
  for (const [operationId, handler] of Object.entries(handlers) as Array<[OperationId, AnyHandler]>) {
    api.register(operationId, dispatchTo(handler, answerMs));
  }
  await api.init();
  precompileRouter(api.router);
  for (const operation of api.router.getOperations()) api.validator.getRequestValidatorsForOperation(operation.operationId!);
  return api;
}

