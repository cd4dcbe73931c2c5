// Every combination of the fields a full or partial write can carry, each with every kind of If-Match, on a
// pool of one connection: each shape of write statement meets every other on the one connection, as named
// statements do on a busy pool (a truncated statement name once made two shapes collide: a 500). Its own file,
// beside the random fuzzing (fuzz.test.ts), so that each has the whole of a file's hang guard on a busy machine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { operations } from './declared.js';
import { assertAnsweredAsDeclared, startFixture, type Fixture } from './fixture.js';

/** A valid value of each field a write can carry. */
const FIELD_VALUES = { title: 'All fields', description: 'every one', completed: true, priority: 'high', tags: ['a', 'b'], due_date: '2030-01-01T00:00:00.000Z' };
const ifMatchKinds = ['(none)', '(current)', '"1"', 'W/"1"', '*', 'garbage'] as const;

describe('every combination of fields, with and without If-Match, on a pool of one connection', () => {
  let fixture: Fixture;
  before(async () => {
    fixture = await startFixture('Combined');
  });
  after(() => fixture.app.close());

  const names = Object.keys(FIELD_VALUES) as Array<keyof typeof FIELD_VALUES>;
  for (const operation of operations.filter((o) => ['updateTask', 'patchTask', 'updateUserTask', 'patchUserTask'].includes(o.operationId))) {
    it(`${operation.operationId}: each of the ${2 ** names.length - 1} field sets with each kind of If-Match answers as declared`, async () => {
      const path = operation.path.replace('{id}', String(fixture.taskId)).replace('{user_id}', fixture.user.id);
      for (let mask = 1; mask < 2 ** names.length; mask++) {
        const body = Object.fromEntries(names.filter((_, i) => mask & (1 << i)).map((name) => [name, FIELD_VALUES[name]]));
        for (const kind of ifMatchKinds) {
          const current = kind === '(current)' ? (await fixture.app.request('GET', path, { token: fixture.user.token })).headers.get('etag')! : kind;
          const headers: Record<string, string> = kind === '(none)' ? {} : { 'if-match': current };
          const res = await fixture.app.request(operation.method.toUpperCase(), path, { token: fixture.user.token, headers, body });
          const where = `${operation.method} ${JSON.stringify(body)} If-Match ${kind} → ${res.status} ${res.text.slice(0, 200)}`;
          assertAnsweredAsDeclared(operation, res, where);
          if (kind === '(none)' || kind === '(current)' || kind === '*') assert.equal(res.status, 200, where);
        }
      }
    });
  }
});
