// Timestamps go from PostgreSQL's text straight to the contract's date-time string, never through a `Date`:
// a page of tasks holds four of them a row, and each `Date` (parsed by a regular expression, then formatted
// again by toISOString) is work and garbage on the hottest path. The string is exactly what
// `new Date(text).toISOString()` gives; the columns are timestamptz(3), so nothing is cut.
import pg from 'pg';

const TIMESTAMPTZ: number = pg.types.builtins.TIMESTAMPTZ;
const parseDate = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => Date | number;

/**
 * `2026-12-06 07:00:41.12+00` → `2026-12-06T07:00:41.120Z`. Only a session in UTC writes that form (ISO
 * DateStyle, offset +00, a four-digit year); any other (another time zone, BC, infinity) takes pg's own
 * parser, so the answer is the same whatever the server's settings, only slower.
 */
export function isoTimestamp(text: string): string {
  const length = text.length;
  if (
    text.charCodeAt(4) === 45 /* - */ && text.charCodeAt(10) === 32 /* space */ &&
    text.charCodeAt(length - 3) === 43 /* + */ && text.charCodeAt(length - 2) === 48 && text.charCodeAt(length - 1) === 48
  ) {
    const day = text.slice(0, 10);
    const time = text.slice(11, 19);
    if (length === 22) return `${day}T${time}.000Z`;
    if (text.charCodeAt(19) === 46 /* . */ && length <= 26) return `${day}T${time}.${text.slice(20, length - 3).padEnd(3, '0')}Z`;
  }
  const date = parseDate(text);
  if (typeof date === 'number') throw new RangeError(`Timestamp ${text} is not a date-time`);
  return date.toISOString();
}

/** pg's query option `types`: every timestamptz of a result as its ISO string; other types as pg parses them. */
export const ISO_TIMESTAMPS = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === TIMESTAMPTZ && format !== 'binary') return isoTimestamp;
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};
