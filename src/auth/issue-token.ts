// Tokens for development and demos (`npm run token`, `npm run db:seed`): HS256 with the shared secret,
// carrying the issuer and audience this API is configured to require, so that it accepts them.
import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AuthConfig } from '../config/index.js';

export interface TokenClaims {
  sub: string;
  email?: string;
  name?: string;
  ttlSeconds: number;
}

export function issueToken(auth: AuthConfig, { sub, email, name, ttlSeconds }: TokenClaims): Promise<string> {
  const jwt = new SignJWT({ ...(email ? { email } : {}), ...(name ? { name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`);
  if (auth.issuer) jwt.setIssuer(auth.issuer);
  if (auth.audience) jwt.setAudience([...auth.audience]);
  return jwt.sign(createSecretKey(Buffer.from(auth.secret, 'utf8')));
}
