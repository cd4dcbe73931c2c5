// `npm run db:schema`: migrates a throwaway database and writes its schema to migrations/schema.sql (see
// src/db/schema-snapshot.ts). The database is made, and dropped, on the server of DATABASE_DIRECT_URL or
// DATABASE_URL when set; else on an embedded PostgreSQL started for this and removed (never the one of
// `npm start`, whose data stays as it is).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environment } from '../src/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { freshSchemaSnapshot, SCHEMA_FILE } from '../src/db/schema-snapshot.js';

const env = environment();
const server = env.DATABASE_DIRECT_URL || env.DATABASE_URL;
const dir = server ? undefined : await mkdtemp(join(tmpdir(), 'tasks-api-schema-'));
const embedded = dir ? await startEmbeddedPostgres(dir, { info: () => {}, debug: () => {} }, { persistent: false }) : undefined;
try {
  await writeFile(SCHEMA_FILE, await freshSchemaSnapshot(server || embedded!.url));
  console.log(`Wrote migrations/schema.sql (migrated on ${server ? new URL(server).host : 'a throwaway embedded PostgreSQL'}).`);
} finally {
  await embedded?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}
