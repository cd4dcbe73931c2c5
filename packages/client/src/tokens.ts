// The bearer token, asked for only when needed. Asking is often a round trip (Better Auth's
// `authClient.token()` goes to the app's server), and a new token per request would also defeat the API's
// cache of verified tokens: so a token is kept until it is within a margin of its `exp`, read from the JWT
// without verifying it (the API verifies; the client only needs to know when to ask again).

export type GetToken = () => Promise<string | null | undefined> | string | null | undefined;

export interface TokenSource {
  /** The token to send: the one held while it is fresh enough, else a new one from `getToken`. */
  current(): Promise<string | undefined>;
  /** A new token from `getToken`, whatever is held (after a 401, or a stream's `token-expired`). */
  fresh(): Promise<string | undefined>;
  /** How many times `getToken` was called. */
  readonly fetched: number;
}

/** The `exp` and `iat` claims of a JWT in seconds, or undefined when the token is not a readable JWT. */
export function claimsOf(token: string): { exp: number; iat?: number } | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const claims = JSON.parse(json) as { exp?: unknown; iat?: unknown };
    if (typeof claims.exp !== 'number') return undefined;
    return { exp: claims.exp, ...(typeof claims.iat === 'number' ? { iat: claims.iat } : {}) };
  } catch {
    return undefined;
  }
}

export function tokenSource(getToken: GetToken, marginSeconds: number, now: () => number = Date.now): TokenSource {
  let held: { token: string; renewAt: number } | undefined;
  let asking: Promise<string | undefined> | undefined;
  let fetched = 0;

  const ask = () => {
    // Callers that need a token at the same moment share one round trip.
    asking ??= (async () => {
      fetched++;
      try {
        const token = (await getToken()) ?? undefined;
        const claims = token ? claimsOf(token) : undefined;
        // A margin of at most a quarter of the token's life, so that a short-lived token is still reused;
        // a token whose expiry cannot be read is never reused.
        const life = claims?.iat === undefined ? Infinity : claims.exp - claims.iat;
        held = token && claims ? { token, renewAt: (claims.exp - Math.min(marginSeconds, life / 4)) * 1000 } : undefined;
        return token;
      } finally {
        asking = undefined;
      }
    })();
    return asking;
  };

  return {
    async current() {
      if (held && now() < held.renewAt) return held.token;
      return ask();
    },
    async fresh() {
      held = undefined;
      return ask();
    },
    get fetched() {
      return fetched;
    },
  };
}
