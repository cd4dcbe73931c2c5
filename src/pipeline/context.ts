// What one request's stages tell each other: one typed object on res.locals (express's documented place for
// per-request state, typed here through its `Locals` interface), created by telemetry, the first middleware.

export interface RequestContext {
  readonly requestId: string;
  /** Set once the contract has matched the request. */
  operationId?: string;
  route?: string;
  /** The key the rate limiter counts this request under. */
  rateLimitKey?: string;
  /** Set by the error funnel when the database failed the request: why, in a few words. */
  databaseFailure?: { kind: 'unavailable' | 'timeout' | 'query'; reason: string };
  /** The status the operation settled on, known even when the client left before it was sent. */
  outcome?: number;
  /** Settles once the operation's handler and everything it awaited are done. */
  handled?: Promise<unknown>;
  /** A handler the dispatcher stopped waiting for at the deadline: still running, and still waited for. */
  abandoned?: Promise<void>;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- express types res.locals through this namespace
  namespace Express {
    interface Locals {
      context: RequestContext;
    }
  }
}
