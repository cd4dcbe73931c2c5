import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { databaseTarget } from '../../src/db/connection-url.js';

describe('databaseTarget', () => {
  it('when the URL is a plain server, then no pooler is assumed and the URL is kept', () => {
    assert.deepEqual(databaseTarget('postgres://u:p@db.example.com:5432/tasks'), { url: 'postgres://u:p@db.example.com:5432/tasks', pooled: false });
  });

  it("when the URL says so itself (Prisma's pgbouncer=true, a Neon or Supabase pooler host), then a transaction pooler is assumed", () => {
    const prisma = databaseTarget('postgres://u@db.example.com:6432/tasks?pgbouncer=true');
    assert.equal(prisma.pooled, true);
    assert.doesNotMatch(prisma.url, /pgbouncer/, 'a parameter of ours, not of PostgreSQL');
    assert.equal(databaseTarget('postgresql://u@ep-cool-name-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require').pooled, true);
    assert.equal(databaseTarget('postgresql://postgres.abc@aws-0-eu-central-1.pooler.supabase.com:6543/postgres').pooled, true);
    assert.equal(databaseTarget('postgresql://u@ep-cool-name-123456.us-east-2.aws.neon.tech/neondb').pooled, false, "Neon's direct host");
    assert.equal(databaseTarget('postgresql://postgres@db.abc.supabase.co:5432/postgres').pooled, false, "Supabase's direct host");
  });

  it('when DATABASE_POOLER is declared, then it decides, whatever the URL says', () => {
    assert.equal(databaseTarget('postgres://u@db.example.com/tasks', 'transaction').pooled, true);
    assert.equal(databaseTarget('postgres://u@x-pooler.neon.tech/db?pgbouncer=true', 'none').pooled, false);
  });

  it('when sslmode is given, then it means what it means to libpq (require: encrypt; verify-full: verify)', () => {
    assert.equal(new URL(databaseTarget('postgres://u@db/t?sslmode=require').url).searchParams.get('uselibpqcompat'), 'true');
    assert.equal(new URL(databaseTarget('postgres://u@db/t').url).searchParams.has('uselibpqcompat'), false);
  });
});
