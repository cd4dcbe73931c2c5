import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeDatabaseFailure, isDatabaseUnavailable, isStatementCancelled, loggableError } from '../../src/db/errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('database errors', () => {
  it('when pg loses a connection, then it is unavailable, with or without the statement knex puts in front', () => {
    for (const message of [
      'Connection terminated unexpectedly',
      'select "id" from "tasks" where "user_id" = $1 - Connection terminated unexpectedly',
      'ROLLBACK - Connection terminated unexpectedly',
      'timeout expired',
      'Connection terminated due to connection timeout',
      'ROLLBACK - Client has encountered a connection error and is not queryable',
      'Client was closed and is not queryable',
    ]) {
      assert.ok(isDatabaseUnavailable(new Error(message)), message);
    }
    assert.equal(describeDatabaseFailure(new Error('ROLLBACK - Connection terminated unexpectedly')), 'Connection terminated');
  });

  it('when PostgreSQL refuses connections, shuts down, or a pool wait runs out, then it is unavailable', () => {
    for (const error of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('sorry, too many clients already', '53300'),
      Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' }),
      withCode('PostgreSQL did not answer within 3000 ms', 'DATABASE_STALLED'),
    ]) {
      assert.ok(isDatabaseUnavailable(error), error.message);
    }
  });

  it('when PostgreSQL cancels one statement at statement_timeout, then that is a cancelled statement, not an outage', () => {
    const cancelled = withCode('canceling statement due to statement timeout', '57014');
    assert.ok(isStatementCancelled(cancelled));
    assert.ok(isStatementCancelled(Object.assign(new Error('wrapped'), { cause: cancelled })));
    assert.ok(!isDatabaseUnavailable(cancelled));
    assert.ok(!isStatementCancelled(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')));
  });

  it('when a statement fails on its own (a bug), then it is not unavailable', () => {
    for (const error of [withCode('relation "tasks" does not exist', '42P01'), withCode('new row violates check constraint', '23514'), new TypeError('x is undefined')]) {
      assert.ok(!isDatabaseUnavailable(error), error.message);
    }
  });

  it('when a database error is logged, then only its code and the names it concerns are, never its message or detail', () => {
    const error = Object.assign(withCode('new row for relation "tasks" violates check constraint "c"', '23514'), {
      detail: 'Failing row contains (alice, 56, PRIVATE-TITLE).',
      table: 'tasks',
      constraint: 'c',
    });
    assert.deepEqual(loggableError(error), { type: 'DatabaseError', code: '23514', severity: undefined, table: 'tasks', column: undefined, constraint: 'c', routine: undefined });
  });
});

describe('isDatabaseUnavailable', () => {
  it('when the error is a refused connection, a pool timeout, an admin shutdown or a dropped connection, then yes', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      new Error('Connection terminated unexpectedly'),
    ]) {
      assert.equal(isDatabaseUnavailable(error), true, String(error));
    }
  });

  it('when the error is a bug or a constraint, then no', () => {
    for (const error of [new Error('x is undefined'), Object.assign(new Error('check'), { code: '23514' }), Object.assign(new Error('syntax'), { code: '42601' }), null, 'text']) {
      assert.equal(isDatabaseUnavailable(error), false, String(error));
    }
  });
});
