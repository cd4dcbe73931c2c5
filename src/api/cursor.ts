// Page cursors: `<position>.<mac>`, both base64url. The position is the last task's sort value and id; the
// MAC (HMAC-SHA256, truncated to 128 bits) covers the position *and* what the cursor is bound to: the user,
// the filters, the sort and the order. A cursor used for another user or query, or altered, fails the MAC.
// The key is derived from the server's secret, so cursors need no storage and survive restarts.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Position } from '../domain/tasks.js';

export interface CursorCodec {
  encode(position: Position, binding: unknown): string;
  /** The position, or undefined when the cursor is malformed, altered, or bound to something else. */
  decode(cursor: string, binding: unknown): Position | undefined;
}

const MAC_BYTES = 16;

export function createCursorCodec(secret: string): CursorCodec {
  const key = Buffer.from(hkdfSync('sha256', secret, 'tasks-api', 'page cursor v1', 32));
  const mac = (position: string, binding: unknown) =>
    createHmac('sha256', key).update(JSON.stringify(binding)).update('\n').update(position).digest().subarray(0, MAC_BYTES);

  return {
    encode(position, binding) {
      const encoded = Buffer.from(JSON.stringify([position.value, position.id])).toString('base64url');
      return `${encoded}.${mac(encoded, binding).toString('base64url')}`;
    },
    decode(cursor, binding) {
      const [encoded = '', signature = '', ...rest] = cursor.split('.');
      const given = Buffer.from(signature, 'base64url');
      // Only the MAC as encode() writes it: the last character of base64url has unused bits, so other strings
      // decode to the same bytes, and an altered cursor must never pass. (The position is MACed as text.)
      if (rest.length > 0 || given.length !== MAC_BYTES || given.toString('base64url') !== signature) return undefined;
      if (!timingSafeEqual(given, mac(encoded, binding))) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
      const [value, id] = parsed as [unknown, unknown];
      if ((typeof value !== 'string' && value !== null) || !Number.isSafeInteger(id) || (id as number) < 1) return undefined;
      return { value, id: id as number };
    },
  };
}
