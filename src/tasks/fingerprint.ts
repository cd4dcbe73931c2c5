// What an Idempotency-Key retry must repeat: the task it asks for (its fields as the create would write
// them, defaults filled in), whatever the order or spelling of the body's fields.
import { createHash } from 'node:crypto';

export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('base64url');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, inner]) => [key, canonical(inner)]),
  );
}
