// Typed readers of environment variables that collect every problem instead of stopping at the first, each
// message saying what the value must be and what it was. Pure: the environment is handed in.

export type Env = Readonly<Record<string, string | undefined>>;

/** Every problem found, each with its remedy: a server that refuses to start says all of them at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface EnvReader {
  readonly problems: string[];
  /** The trimmed value, or undefined when unset or empty. */
  text(name: string): string | undefined;
  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T;
  /** A whole number within [min, max]. */
  integer(name: string, fallback: number, { min, max, what }: { min: number; max: number; what: string }): number;
  boolean(name: string, fallback: boolean): boolean;
  url(name: string, protocols: readonly string[]): URL | undefined;
  /** A comma-separated list, each item trimmed, empty items dropped. */
  list(name: string): string[] | undefined;
}

export function envReader(env: Env): EnvReader {
  const problems: string[] = [];
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  return {
    problems,
    text,
    oneOf(name, values, fallback) {
      const value = text(name) ?? fallback;
      if ((values as readonly string[]).includes(value)) return value as typeof fallback;
      problems.push(`${name} must be ${values.slice(0, -1).join(', ')} or ${values.at(-1)} (got "${value}").`);
      return fallback;
    },
    integer(name, fallback, { min, max, what }) {
      const value = text(name);
      if (value === undefined) return fallback;
      const number = Number(value);
      if (/^\d+$/.test(value) && number >= min && number <= max) return number;
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
      problems.push(`${name} must be a whole number of ${what}, ${range} (got "${value}").`);
      return fallback;
    },
    boolean(name, fallback) {
      const value = text(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      problems.push(`${name} must be true or false (got "${value}").`);
      return fallback;
    },
    url(name, protocols) {
      const value = text(name);
      if (value === undefined) return undefined;
      try {
        const parsed = new URL(value);
        if (protocols.includes(parsed.protocol)) return parsed;
      } catch {
        // reported below
      }
      problems.push(`${name} must be a ${protocols.join(' or ')}// URL (got "${value}").`);
      return undefined;
    },
    list(name) {
      const items = text(name)
        ?.split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      return items?.length ? items : undefined;
    },
  };
}
