// `npm run token -- <user-id> [--email a@b.c] [--name "Ada"] [--ttl 3600]`: prints an HS256 token for the
// configured BETTER_AUTH_SECRET, as a Better Auth front end with the shared secret would send it.
import { createSecretKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { loadConfig } from '../src/config.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { email: { type: 'string' }, name: { type: 'string' }, ttl: { type: 'string', default: '3600' } },
});
const [userId] = positionals;
const ttl = Number(values.ttl);
if (!userId || positionals.length > 1 || !Number.isInteger(ttl) || ttl <= 0) {
  console.error('Usage: npm run token -- <user-id> [--email address] [--name "Full Name"] [--ttl seconds]');
  process.exit(2);
}

const { config, notices } = loadConfig();
for (const notice of notices) console.error(notice);
const token = await new SignJWT({ ...(values.email ? { email: values.email } : {}), ...(values.name ? { name: values.name } : {}) })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(userId)
  .setIssuedAt()
  .setExpirationTime(`${ttl}s`)
  .sign(createSecretKey(Buffer.from(config.auth.secret, 'utf8')));
console.log(token);
