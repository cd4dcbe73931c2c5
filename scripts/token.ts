// `npm run token -- <user-id> [--email a@b.c] [--name "Ada"] [--ttl 3600]`: prints an HS256 token for the
// configured BETTER_AUTH_SECRET (with JWT_ISSUER and JWT_AUDIENCE when they are set), as a Better Auth
// front end with the shared secret would send it.
import { parseArgs } from 'node:util';
import { issueToken } from '../src/auth/issue-token.js';
import { loadConfig } from '../src/config/index.js';

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

const config = loadConfig();
console.log(await issueToken(config.auth, { sub: userId, email: values.email, name: values.name, ttlSeconds: ttl }));
