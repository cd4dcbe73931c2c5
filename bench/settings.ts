// What the benchmarks read of the environment (src/config/ hands it over).
import { environment } from '../src/config/index.js';

/** The PostgreSQL the benchmarks seed and reset; unset means each starts an embedded one. */
export function benchDatabaseUrl(): string | undefined {
  return environment().BENCH_DATABASE_URL || undefined;
}
