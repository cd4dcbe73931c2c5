// openapi.yaml's security schemes, each a check of the Authorization header: bearerAuth (→ the verified
// Principal, or a 401 Problem carrying the RFC 6750 challenge) and metricsAuth (the scraper's token). The
// token check of src/pipeline/checks.ts runs the one an operation requires; the path-user check is here too.
import { createHash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Problem, problems } from '../contract/problem.js';
import { CLOCK_TOLERANCE_SECONDS, KeySetUnavailableError, TokenError, type Principal, type VerifyToken } from './tokens.js';

const REALM = 'tasks';
const TOKEN_SYNTAX = /^[A-Za-z0-9\-._~+/]+=*$/; // RFC 6750 b64token

export type Authorization = string | string[] | undefined;

/** How many verified tokens are remembered, and for how long at most (a key set rotated meanwhile included). */
const VERIFIED_TOKENS = 10_000;
const VERIFIED_TOKEN_TTL_MS = 60_000;

export function bearerAuth(verify: VerifyToken) {
  // jose's work per token (WebCrypto's HMAC and its claim checks) costs more than the rest of a simple request
  // (docs/explanation/performance.md has the profile). Only the byte-identical string of a token that passed
  // every check is found here; an entry lasts until the token's exp (plus the tolerance jose allows) or a
  // minute, whichever comes first.
  const verified = new LRUCache<string, Principal>({ max: VERIFIED_TOKENS });
  return async (header: Authorization): Promise<Principal> => {
    const value = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
    const [scheme = '', token = '', ...extra] = value.split(/\s+/);
    if (scheme.toLowerCase() !== 'bearer') {
      throw unauthorized('A bearer token is required: send "Authorization: Bearer <token>".');
    }
    if (extra.length > 0 || !TOKEN_SYNTAX.test(token)) {
      throw unauthorized('The Authorization header must be "Bearer <token>" with a single JWT.', true);
    }
    const remembered = verified.get(token);
    if (remembered) return remembered;
    try {
      const principal = await verify(token);
      const ttl = Math.min(VERIFIED_TOKEN_TTL_MS, principal.expiresAt + CLOCK_TOLERANCE_SECONDS * 1000 - Date.now());
      if (ttl > 0) verified.set(token, principal, { ttl });
      return principal;
    } catch (error) {
      if (error instanceof TokenError) throw unauthorized(error.message, true);
      if (error instanceof KeySetUnavailableError) throw problems.unavailable(error.message);
      throw error;
    }
  };
}

/**
 * /metrics tells anyone who reads it how busy every user is: only the operator's scraper may, with the token
 * set in METRICS_TOKEN. Without one it is not served at all.
 */
export function metricsAuth(token: string | undefined) {
  const expected = token === undefined ? undefined : digest(token);
  return (header: Authorization): void => {
    if (expected === undefined) throw new Problem(404, 'The metrics are not served: the operator has not set METRICS_TOKEN.');
    const [scheme = '', sent = ''] = ((Array.isArray(header) ? header[0] : header) ?? '').trim().split(/\s+/);
    // Compared as digests, in constant time: neither the token nor its length leaks through timing.
    if (scheme.toLowerCase() !== 'bearer' || !timingSafeEqual(digest(sent), expected)) {
      throw new Problem(401, 'The metrics are for the operator\'s scraper: send "Authorization: Bearer <METRICS_TOKEN>".', {
        headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' },
      });
    }
  };
}

/** The explicit scope, /api/{user_id}/…, is the caller's own or refused, before anything is looked up. */
export function assertOwnPath(principal: Principal, pathUser: string | undefined): void {
  if (pathUser !== undefined && pathUser !== principal.id) {
    throw new Problem(403, 'This path belongs to another user: use your own user id, or /api/tasks.');
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * RFC 6750 §3: no error code when no token was sent; invalid_token when one was. The description may quote
 * the token (its "alg"), so it keeps only the characters §3 allows there, and a header value can hold.
 */
function unauthorized(detail: string, tokenSent = false): Problem {
  const description = detail.replaceAll('"', "'").replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
  const challenge = tokenSent ? `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"` : `Bearer realm="${REALM}"`;
  return new Problem(401, detail, { headers: { 'WWW-Authenticate': challenge } });
}
