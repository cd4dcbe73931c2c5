// What a DATABASE_URL says about the way to the database: whether a transaction pooler (PgBouncer in
// transaction mode, as Neon's and Supabase's pooled URLs are) stands in front of it, and what its TLS
// modes mean.
//
// Behind a transaction pooler nothing may assume a session: each transaction may run on another server
// connection. So no named prepared statements (the next one may find its statement missing, or already
// there), and no per-connection settings sent as startup parameters, which PgBouncer refuses by default.
//
// sslmode means what it means to libpq, psql and the providers' documentation: `require` encrypts without
// verifying the server, `verify-full` verifies its certificate (against `sslrootcert`, or the system's CAs)
// and its host name. pg reads them so only with its `uselibpqcompat` flag, set here (without it pg treats
// `require` as `verify-full` and warns at every start).

import type { Pooler } from '../config/index.js';

export interface DatabaseTarget {
  /** The URL to hand pg: this API's own parameters taken out, libpq's TLS meaning put in. */
  url: string;
  /** A transaction pooler is in front: no named statements, no startup parameters. */
  pooled: boolean;
}

/** Hosts of managed poolers whose URLs say so themselves. */
const POOLER_HOSTS = [/-pooler\./, /\.pooler\.supabase\.com$/];

/**
 * `declared`: DATABASE_POOLER, when set; otherwise Prisma's `pgbouncer=true` parameter, or a Neon or Supabase
 * pooler host, say that a pooler is there.
 */
export function databaseTarget(databaseUrl: string, declared?: Pooler): DatabaseTarget {
  const url = new URL(databaseUrl);
  const flagged = url.searchParams.get('pgbouncer') === 'true';
  url.searchParams.delete('pgbouncer');
  if (url.searchParams.has('sslmode') && !url.searchParams.has('uselibpqcompat')) url.searchParams.set('uselibpqcompat', 'true');
  const pooled = declared ? declared === 'transaction' : flagged || POOLER_HOSTS.some((host) => host.test(url.hostname));
  return { url: url.href, pooled };
}
