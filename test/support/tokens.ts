// Tokens and fresh users for tests: HS256 with a secret made for this run. No app, no database.
import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';

export const TEST_SECRET = randomBytes(32).toString('base64url');
/** The scraper's token for /metrics in the apps tests start. */
export const TEST_METRICS_TOKEN = randomBytes(32).toString('base64url');

export function newUserId(): string {
  return `user_${randomUUID()}`;
}

export function signToken(
  sub: string | undefined,
  options: { claims?: JWTPayload; expiresIn?: string | number; secret?: string; alg?: string } = {},
): Promise<string> {
  const jwt = new SignJWT({ ...options.claims }).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' });
  if (options.claims?.iat === undefined) jwt.setIssuedAt();
  if (sub !== undefined) jwt.setSubject(sub);
  if (options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn);
  else jwt.setExpirationTime('5m');
  return jwt.sign(createSecretKey(Buffer.from(options.secret ?? TEST_SECRET, 'utf8')));
}

/** A fresh user and a valid token for them. */
export async function newUser(): Promise<{ id: string; token: string }> {
  const id = newUserId();
  return { id, token: await signToken(id) };
}
