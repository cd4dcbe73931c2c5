// openapi-backend over openapi.yaml, used as a library: its router and its request validator. Not through
// handleRequest, as its README shows: there the order of checks would emerge from its hooks' order, and
// here it is one list (checks.ts), which runs the router, the other checks and the validator in its order,
// doing what handleRequest does between them (the request parsed again from what validation coerced).
// dispatch.ts then calls the typed handler (`satisfies HandlerTable` in src/operations.ts guarantees one for
// every operation). Built once, at start-up; the app (app.ts) runs the two for each request.
import { dereference } from '@apidevtools/json-schema-ref-parser';
import addFormats from 'ajv-formats';
import { OpenAPIBackend, type Document, type OpenAPIRouter } from 'openapi-backend';
import { bearerAuth, metricsAuth } from '../auth/security.js';
import type { VerifyToken } from '../auth/tokens.js';
import type { Spec } from '../contract/spec.js';
import type { CheckDeps } from './checks.js';
import { dispatcher } from './dispatch.js';
import type { HandlerTable } from './handler.js';
import type { UserCosts } from './limits.js';
import type { RateLimiter } from './rate-limit.js';
import { precompileRouter } from './openapi-backend-router.js';

export interface ContractOptions {
  verifyToken: VerifyToken;
  limiter: RateLimiter | undefined;
  costs: UserCosts;
  answerMs: number;
  metricsToken: string | undefined;
}

export interface Contract {
  router: OpenAPIRouter;
  /** What the checks run with (runChecks, in checks.ts). */
  deps: CheckDeps;
  /** Calls a checked request's handler, which writes the response. */
  dispatch: ReturnType<typeof dispatcher>;
}

export async function createContract(spec: Spec, handlers: HandlerTable, { verifyToken, limiter, costs, answerMs, metricsToken }: ContractOptions): Promise<Contract> {
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
  await api.init();
  precompileRouter(api.router);
  for (const operation of api.router.getOperations()) api.validator.getRequestValidatorsForOperation(operation.operationId!);
  return {
    router: api.router,
    deps: { api, limiter, bearer: bearerAuth(verifyToken), metrics: metricsAuth(metricsToken) },
    dispatch: dispatcher(api.router.getOperations(), handlers, { answerMs, costs }),
  };
}
