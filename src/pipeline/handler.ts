// Handler types derived from the generated schema: a handler gets exactly its operation's parameters and body
// and must return one of its operation's documented success responses.
import type { ServerResponse } from 'node:http';
import type { Principal } from '../auth/tokens.js';
import type { operations } from '../contract/schema.js';

export type OperationId = keyof operations;

/**
 * The operations anyone may call (openapi.yaml's `security: []`, or the scraper's token alone): every other
 * one requires a user's token, and its handler is given that user. The dispatcher (dispatch.ts) refuses to start
 * when this list and openapi.yaml disagree.
 */
export const OPEN_OPERATIONS = ['getHealth', 'getReadiness', 'getOpenApiYaml', 'getOpenApiJson', 'getMetrics', 'getApiDocs', 'getApiDocsRedoc'] as const;
export type OpenOperationId = (typeof OPEN_OPERATIONS)[number];
export type UserOperationId = Exclude<OperationId, OpenOperationId>;
type Operation<K extends OperationId> = operations[K];
type Parameters<K extends OperationId> = Operation<K>['parameters'];
type Responses<K extends OperationId> = Operation<K>['responses'];
// What a handler may answer; every error is thrown as a Problem instead.
type SuccessStatus<K extends OperationId> = Extract<keyof Responses<K>, 200 | 201 | 204 | 304>;
type ContentOf<R> = R extends { content: infer C } ? C[keyof C] : undefined;
type BodyOf<K extends OperationId> = Operation<K> extends { requestBody?: { content: { 'application/json': infer B } } }
  ? B
  : never;

export interface HandlerContext<K extends OperationId> {
  params: NonNullable<Parameters<K>['path']>;
  query: NonNullable<Parameters<K>['query']>;
  /** The header parameters the operation declares, by their names in openapi.yaml. */
  headers: NonNullable<Parameters<K>['header']>;
  /** Undefined when the request had no body (only possible where the body is optional). */
  body: BodyOf<K> | undefined;
  /** The operation's path with its parameters filled in: the request's path as this API writes it. */
  path: string;
  /** The request's query string as sent (without the `?`), e.g. to build the next page's link from it. */
  rawQuery: string;
  /** The verified token's user, whom every statement is scoped to: there by type on every user's operation. */
  principal: K extends UserOperationId ? Principal : undefined;
  /** Calls `listener` once the exchange is over: answered, failed, or the client gone (at once if it is already). */
  onClose(listener: () => void): void;
}

export type Reply<K extends OperationId> = {
  [S in SuccessStatus<K>]: {
    status: S;
    body: ContentOf<Responses<K>[S]>;
    headers?: Record<string, string>;
    /** For the few non-JSON responses (the YAML contract, the docs page). */
    contentType?: string;
    /** For an event stream: writes the response itself, for as long as it lasts (body and contentType unused). */
    stream?: (res: ServerResponse) => Promise<void>;
  };
}[SuccessStatus<K>];

// Written as a method so TypeScript compares handlers structurally: one handler can then serve both URL
// scopes of an operation (e.g. listTasks and listUserTasks), whose shapes are the same.
export type Handler<K extends OperationId> = {
  handle(c: HandlerContext<K>): Promise<Reply<K>> | Reply<K>;
}['handle'];
export type HandlerTable = { [K in OperationId]: Handler<K> };

/** What the dispatcher sees of any handler's reply. */
export interface AnyReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  contentType?: string;
  stream?: (res: ServerResponse) => Promise<void>;
}
