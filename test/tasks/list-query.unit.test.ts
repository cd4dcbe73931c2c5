import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cursorBinding, nextLink, pageQuery } from '../../src/tasks/list.js';

describe('list queries', () => {
  it('when no order is given, then created, updated and priority go newest or highest first, title and due date ascending', () => {
    const order = (sort: 'created' | 'updated' | 'title' | 'due_date' | 'priority') => pageQuery({ status: 'all', sort, limit: 10 }).order;
    assert.deepEqual(['created', 'updated', 'priority', 'title', 'due_date'].map((s) => order(s as never)), ['desc', 'desc', 'desc', 'asc', 'asc']);
  });

  it('when filters are given, then each becomes its option: status, repeated tags once and sorted, q trimmed, dates parsed', () => {
    assert.deepEqual(pageQuery({ status: 'completed', sort: 'title', limit: 5, order: 'desc', tag: ['b', 'a', 'b'], q: '  milk ', priority: 'high', due_before: '2026-01-02T00:00:00Z' }), {
      sort: 'title', order: 'desc', limit: 5, completed: true, priority: 'high', tags: ['a', 'b'], search: 'milk', dueBefore: new Date('2026-01-02T00:00:00Z'),
    });
  });

  it('when the binding is made, then the limit is left out: a cursor survives a change of page size', () => {
    const query = pageQuery({ status: 'pending', sort: 'created', limit: 5 });
    assert.deepEqual(cursorBinding('ada', query), cursorBinding('ada', { ...query, limit: 50 }));
    assert.notDeepEqual(cursorBinding('ada', query), cursorBinding('bob', query));
  });

  it('when the next link is made, then it keeps the whole query, a literal "?" in a value included, and replaces the cursor', () => {
    const link = nextLink('/api/tasks', 'tag=why?&limit=1&cursor=old', 'new.cursor');
    assert.equal(link, '</api/tasks?tag=why%3F&limit=1&cursor=new.cursor>; rel="next"');
  });
});
