// Every kind of event the stream sends, sent for real and checked against the schema the contract links to
// the stream (TaskStreamEvent): its name, its id, its data with every required field; and every event type
// the schema names is one the server sends.
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { after, before, describe, it } from 'node:test';
import { newUser, newUserId, signToken, startTestApp, type TestApp } from '../helpers.js';
import { openStream, type OpenStream, type StreamEvent } from '../support/sse.js';
import { operations } from './declared.js';

let app: TestApp;
const open: OpenStream[] = [];
before(async () => {
  app = await startTestApp({ sync: { pollMs: 50, heartbeatMs: 300, retryMs: 500 } });
});
after(async () => {
  await Promise.all(open.map((stream) => stream.close()));
  await app.close();
});

async function stream(token: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  const opened = await openStream(`${app.baseUrl}/api/tasks/events`, token, headers);
  open.push(opened);
  return opened;
}

const itemSchema = (operationId: string) => {
  const media = operations.find((o) => o.operationId === operationId)!.responses['200']!.content!['text/event-stream'] as { 'x-item-schema'?: { discriminator?: { mapping: Record<string, string> } } };
  return media['x-item-schema'];
};

describe('the events of the stream, against their schemas', () => {
  it('when each kind of event is sent, then it matches TaskStreamEvent, and every kind the schema names was sent', async () => {
    const schema = itemSchema('streamTaskEvents');
    assert.ok(schema, 'the stream links the schema of its events');
    assert.deepEqual(itemSchema('streamUserTaskEvents'), schema, 'both scopes send the same events');
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const received: StreamEvent[] = [];

    const user = await newUser();
    const live = await stream(user.token);
    received.push(await live.next('ready'));
    const created = await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Seen live', tags: ['x'], due_date: '2031-01-01T00:00:00Z' } });
    await app.request('PATCH', `/api/tasks/${created.body.id}/complete`, { token: user.token });
    await app.request('DELETE', `/api/tasks/${created.body.id}`, { token: user.token });
    received.push(await live.next('task.created'), await live.next('task.updated'), await live.next('task.deleted'));

    const { cursor } = (await app.request('GET', '/api/tasks/changes', { token: user.token })).body;
    await app.request('POST', '/api/tasks', { token: user.token, body: { title: 'Forgotten' } });
    await app.db('task_events').where({ user_id: user.id }).delete(); // as if older than a day
    const behind = await stream(user.token, { 'last-event-id': cursor });
    received.push(await behind.next('resync'), await behind.next('ready'));

    const expiring = await stream(await signToken(newUserId(), { expiresIn: Math.floor(Date.now() / 1000) + 2 }));
    received.push(await expiring.next('ready'), await expiring.next('token-expired', 5000));
    await expiring.ended; // token-expired ends the stream

    for (const event of received) {
      const item = { event: event.event, ...(event.id === undefined ? {} : { id: event.id }), data: event.data };
      assert.ok(validate(item), `${event.event}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(item)}`);
    }
    assert.deepEqual(new Set(received.map((e) => e.event)), new Set(Object.keys(schema.discriminator!.mapping)));
  });
});
