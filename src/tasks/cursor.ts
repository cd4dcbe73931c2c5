// Cursors: `<payload>.<mac>`, both base64url. The MAC (HMAC-SHA256, truncated to 128 bits) covers the
// payload *and* what the cursor is bound to, so a cursor used for another user or query, or altered, fails
// it. The keys are derived from the server's secret, so cursors need no storage and survive restarts.
// - A page cursor's payload is the last task's sort value and id; it is bound to the user, the filters, the
//   sort and the order.
// - A change cursor's payload is the number of the user's last change seen; it is bound to the user. The
//   event stream's event ids and delta sync's cursors are the same.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Position } from './task.js';

export interface CursorCodec {
  encode(position: Position, binding: unknown): string;
  /** The position, or undefined when the cursor is malformed, altered, or bound to something else. */
  decode(cursor: string, binding: unknown): Position | undefined;
}

export interface ChangeCursorCodec {
  encode(seq: number, userId: string): string;
  /** The change number, or undefined when the cursor is malformed, altered, or another user's. */
  decode(cursor: string, userId: string): number | undefined;
}

const MAC_BYTES = 16;

/** Seals a JSON payload under a key of its own purpose; opens only what it sealed, for the same binding. */
function sealer(secret: string, purpose: string) {
  const key = Buffer.from(hkdfSync('sha256', secret, 'tasks-api', purpose, 32));
  const mac = (payload: string, binding: unknown) =>
    createHmac('sha256', key).update(JSON.stringify(binding)).update('\n').update(payload).digest().subarray(0, MAC_BYTES);
  return {
    seal(value: unknown, binding: unknown): string {
      const encoded = Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${encoded}.${mac(encoded, binding).toString('base64url')}`;
    },
    open(cursor: string, binding: unknown): unknown {
      const [encoded = '', signature = '', ...rest] = cursor.split('.');
      const given = Buffer.from(signature, 'base64url');
      // Only the MAC as seal() writes it: the last character of base64url has unused bits, so other strings
      // decode to the same bytes, and an altered cursor must never pass. (The payload is MACed as text.)
      if (rest.length > 0 || given.length !== MAC_BYTES || given.toString('base64url') !== signature) return undefined;
      if (!timingSafeEqual(given, mac(encoded, binding))) return undefined;
      try {
        return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
  };
}

export function createCursorCodec(secret: string): CursorCodec {
  const pages = sealer(secret, 'page cursor v1');
  return {
    encode: (position, binding) => pages.seal([position.value, position.id], binding),
    decode(cursor, binding) {
      const parsed = pages.open(cursor, binding);
      if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
      const [value, id] = parsed as [unknown, unknown];
      if ((typeof value !== 'string' && value !== null) || !Number.isSafeInteger(id) || (id as number) < 1) return undefined;
      return { value, id: id as number };
    },
  };
}

export function createChangeCursorCodec(secret: string): ChangeCursorCodec {
  const changes = sealer(secret, 'change cursor v1');
  return {
    encode: (seq, userId) => changes.seal(seq, { user: userId }),
    decode(cursor, userId) {
      const seq = changes.open(cursor, { user: userId });
      return Number.isSafeInteger(seq) && (seq as number) >= 0 ? (seq as number) : undefined;
    },
  };
}
