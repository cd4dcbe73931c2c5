// What the test suite reads of the environment (src/config/ hands it over; the service's own settings are
// not these).
import { environment } from '../../src/config/index.js';

const env = environment();

/** The PostgreSQL the test suite uses; unset means the test runner starts an embedded one. */
export function testDatabaseUrl(): string | undefined {
  return env.TEST_DATABASE_URL || env.DATABASE_URL || undefined;
}

/** The Redis the rate-limit tests share counters through (the machines run one at 127.0.0.1:6379). */
export function testRedisUrl(): string {
  return env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
}

/** The contract fuzzer's seed and runs per operation: fixed by default so CI is reproducible. */
export function fuzzSettings(): { seed: number; runs: number } {
  return { seed: Number(env.FUZZ_SEED ?? 20261121), runs: Number(env.FUZZ_RUNS ?? 100) };
}

/** The environment for the test processes the runner starts: this one, pointed at the test database if any. */
export function testProcessEnv(databaseUrl: string | undefined): Record<string, string | undefined> {
  return { ...env, TEST_DATABASE_URL: databaseUrl, DATABASE_URL: databaseUrl, NODE_ENV: 'test' };
}
