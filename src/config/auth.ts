// Who may call: the secret Better Auth signs HS256 tokens with, and its key set for asymmetric ones.
import type { Env, EnvReader } from './env-reader.js';

export interface AuthConfig {
  /** HS256 shared secret (Better Auth's BETTER_AUTH_SECRET). */
  readonly secret: string;
  /** Better Auth JWKS endpoint; asymmetric tokens are accepted only when this is set. */
  readonly jwksUrl: URL | undefined;
  readonly issuer: string | undefined;
  readonly audience: readonly string[] | undefined;
}

export const MIN_SECRET_LENGTH = 32;

export function readAuth(read: EnvReader, env: Env): AuthConfig {
  const secret = env.BETTER_AUTH_SECRET ?? '';
  if (secret.length === 0) {
    read.problems.push(
      'BETTER_AUTH_SECRET is not set. Use the same secret as the Better Auth server; to make a new one: ' +
        'node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64url\'))"',
    );
  } else if (secret.length < MIN_SECRET_LENGTH) {
    read.problems.push(`BETTER_AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters (it has ${secret.length}).`);
  }
  const betterAuthUrl = read.url('BETTER_AUTH_URL', ['http:', 'https:']);
  const jwksUrl =
    read.url('JWT_JWKS_URL', ['http:', 'https:']) ??
    (betterAuthUrl ? new URL(`${betterAuthUrl.href.replace(/\/+$/, '')}/api/auth/jwks`) : undefined);
  return { secret, jwksUrl, issuer: read.text('JWT_ISSUER'), audience: read.list('JWT_AUDIENCE') };
}
