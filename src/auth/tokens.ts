// Bearer token verification with jose. Keys are built once; verification never touches the database. (A token
// that verified is remembered by bearerAuth, in security.ts, so that a session's requests pay for jose once.)
import { webcrypto } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config/index.js';

export interface Principal {
  /** The token's `sub`: the user every query is scoped to. */
  id: string;
  email: string | null;
  name: string | null;
  /** The token's `exp`, in milliseconds since the epoch: a stream ends then. */
  expiresAt: number;
}

/** A token that must be refused with 401; `message` is safe to show the client. */
export class TokenError extends Error {
  override name = 'TokenError';
}

/** The key set could not be fetched: not the client's fault, so not a 401. */
export class KeySetUnavailableError extends Error {
  override name = 'KeySetUnavailableError';
}

export type VerifyToken = (token: string) => Promise<Principal>;

export const CLOCK_TOLERANCE_SECONDS = 30;
/** Algorithms pinned per key type: the shared secret signs HS256 only; the JWKS keys sign these only. */
const SHARED_SECRET_ALGORITHMS = ['HS256'];
const KEY_SET_ALGORITHMS = ['EdDSA', 'Ed25519', 'ES256', 'RS256', 'PS256'];
const MAX_USER_ID_LENGTH = 255;

/**
 * `keySetCooldownMs`: the least time between two fetches of the key set. A token with an unknown `kid` (a
 * rotated key) triggers a refetch; the cooldown bounds what a flood of made-up kids can cost Better Auth.
 */
export function createTokenVerifier(auth: AuthConfig, { keySetCooldownMs = 1000 } = {}): VerifyToken {
  // A CryptoKey, imported once: given a KeyObject, jose would convert it on every verification.
  const secretKey = webcrypto.subtle.importKey('raw', Buffer.from(auth.secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const keySet = auth.jwksUrl ? rotationProof(createRemoteJWKSet(auth.jwksUrl, { timeoutDuration: 5000, cooldownDuration: keySetCooldownMs })) : undefined;
  const claims = {
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['sub', 'exp'],
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: [...auth.audience] } : {}),
  };

  return async (token) => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new TokenError('The token is not a well-formed JWT.');
    }
    let payload: JWTPayload;
    try {
      if (alg !== undefined && SHARED_SECRET_ALGORITHMS.includes(alg)) {
        ({ payload } = await jwtVerify(token, await secretKey, { ...claims, algorithms: SHARED_SECRET_ALGORITHMS }));
      } else if (keySet && alg !== undefined && KEY_SET_ALGORITHMS.includes(alg)) {
        ({ payload } = await jwtVerify(token, keySet, { ...claims, algorithms: KEY_SET_ALGORITHMS }));
      } else {
        throw new TokenError(`Tokens signed with "${String(alg ?? 'none').slice(0, 20)}" are not accepted.`);
      }
    } catch (error) {
      throw explain(error);
    }
    return principalFrom(payload);
  };
}

/**
 * jose refetches the key set for an unknown `kid` only outside its cooldown, and refuses the token inside
 * it: a key published by a second rotation soon after a first would be refused until the cooldown ends.
 * Here such a token waits for the cooldown to end (one refetch for all of them), then is checked again.
 */
function rotationProof(keySet: ReturnType<typeof createRemoteJWKSet>): JWTVerifyGetKey {
  let nextLook: Promise<void> | undefined;
  const lookAgain = () =>
    (nextLook ??= (async () => {
      while (keySet.coolingDown) await new Promise((resolve) => setTimeout(resolve, 50));
      await keySet.reload();
    })().finally(() => (nextLook = undefined)));
  return async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      await lookAgain();
      return keySet(header, token);
    }
  };
}

function principalFrom(payload: JWTPayload): Principal {
  const { sub, iat } = payload;
  if (typeof iat === 'number' && iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) {
    throw new TokenError('The token was issued in the future ("iat").');
  }
  if (typeof sub !== 'string' || !isStorable(sub, MAX_USER_ID_LENGTH)) {
    throw new TokenError(`The token's "sub" must be a user id of 1 to ${MAX_USER_ID_LENGTH} characters.`);
  }
  return { id: sub, email: optionalClaim(payload.email, 320), name: optionalClaim(payload.name, 200), expiresAt: payload.exp! * 1000 };
}

/** Profile claims are copied into `users` when present and sane, and ignored otherwise: they never fail a request. */
function optionalClaim(value: unknown, maxLength: number): string | null {
  return typeof value === 'string' && isStorable(value, maxLength) ? value : null;
}

function isStorable(value: string, maxLength: number): boolean {
  const length = [...value].length;
  return length > 0 && length <= maxLength && value.isWellFormed() && !value.includes('\u0000');
}

function explain(error: unknown): Error {
  if (error instanceof TokenError) return error;
  if (error instanceof errors.JWTExpired) return new TokenError('The token has expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new TokenError(`The token's "${error.claim}" claim is missing or invalid.`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenError('The token signature is invalid.');
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenError('The token algorithm is not accepted.');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenError('No trusted key matches the token.');
  }
  if (isKeySetFailure(error)) return new KeySetUnavailableError('The signing keys cannot be fetched right now.');
  return new TokenError('The token is invalid.');
}

/** jose reports an unreachable or broken JWKS endpoint as a timeout, a non-200 answer, or fetch's TypeError. */
function isKeySetFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  if (error instanceof TypeError && /fetch/i.test(error.message)) return true;
  return error instanceof errors.JOSEError && /JSON Web Key Set/.test(error.message);
}
