// The service operations, named as their operationIds: liveness, readiness, the contract as served, the
// metrics and the two reference pages. None needs a token.
import type { Spec } from '../contract/spec.js';
import { ELEMENTS_CSP, elementsPage, REDOC_CSP, redocPage } from './docs.js';
import { problems } from '../contract/problem.js';
import type { HandlerTable } from '../pipeline/handler.js';

export interface ServiceDeps {
  ready: () => Promise<void>;
  spec: Spec;
  metrics: { contentType: string; exposition: () => Promise<string> };
}

export function createServiceHandlers({ ready, spec, metrics }: ServiceDeps) {
  return {
    getHealth: () => ({ status: 200, body: { status: 'ok' } }),
    getReadiness: async () => {
      await ready().catch((error: unknown) => {
        throw problems.unavailable(undefined, error);
      });
      return { status: 200, body: { status: 'ok' } };
    },
    getOpenApiYaml: () => ({ status: 200, body: spec.yaml, contentType: 'application/yaml' }),
    getOpenApiJson: () => ({ status: 200, body: spec.document }),
    getMetrics: async () => ({ status: 200, body: await metrics.exposition(), contentType: metrics.contentType }),
    getApiDocs: () => ({ status: 200, body: elementsPage, contentType: 'text/html', headers: { 'Content-Security-Policy': ELEMENTS_CSP } }),
    getApiDocsRedoc: () => ({ status: 200, body: redocPage, contentType: 'text/html', headers: { 'Content-Security-Policy': REDOC_CSP } }),
  } satisfies Pick<HandlerTable, 'getHealth' | 'getReadiness' | 'getOpenApiYaml' | 'getOpenApiJson' | 'getMetrics' | 'getApiDocs' | 'getApiDocsRedoc'>;
}
