import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import pg from 'pg';
import { isoTimestamp } from '../../src/db/statement.js';

const pgParse = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => Date;
const viaDate = (text: string) => pgParse(text).toISOString();

/** A timestamptz(3) as a UTC session writes it: fraction without trailing zeros, none when whole. */
function asPostgresWrites(date: Date): string {
  const iso = date.toISOString(); // 2026-12-06T07:00:41.120Z
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
}

describe('isoTimestamp', () => {
  it('when a UTC session writes a timestamp, then it is what pg and toISOString would make of it', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (date) => {
        const text = asPostgresWrites(date);
        assert.equal(isoTimestamp(text), viaDate(text), text);
        assert.equal(isoTimestamp(text), date.toISOString());
      }),
      { numRuns: 2000 },
    );
  });

  it('when the session is in another zone, a year is BC or the fraction is longer, then pg parses it as before', () => {
    for (const text of [
      '2026-12-06 08:00:41.5+01', '2026-12-06 02:00:41.12-05', '2026-12-06 12:30:41+05:30', '2026-12-06 17:00:41.5+10',
      '2026-12-06 07:00:41.123456+00', '0044-03-15 12:00:00+00 BC', '2026-12-06 07:00:41.1+00',
    ]) assert.equal(isoTimestamp(text), viaDate(text), text);
  });
});
