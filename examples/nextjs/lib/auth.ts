// Better Auth on the server: email and password, and the jwt() plugin with its default EdDSA keys, whose
// tokens the Tasks API verifies against this app's /api/auth/jwks. Its tables live in PostgreSQL.
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { jwt } from 'better-auth/plugins';
import { Pool } from 'pg';

export const auth = betterAuth({
  database: new Pool({ connectionString: process.env.DATABASE_URL }),
  emailAndPassword: { enabled: true },
  telemetry: { enabled: false },
  plugins: [jwt({ jwt: { expirationTime: process.env.JWT_EXPIRATION ?? '15m' } })],
});

/** Creates Better Auth's tables when they are missing (run once when the server starts). */
export async function migrate(): Promise<void> {
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
}
