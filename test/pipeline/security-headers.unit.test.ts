import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import helmet from 'helmet';
import { HELMET_OPTIONS, helmetHeaders } from '../../src/pipeline/security-headers.js';

describe('security headers computed ahead', () => {
  it('when helmet answers a real request, then it sets exactly the headers computed at start-up', async (t) => {
    const live = helmet(HELMET_OPTIONS);
    const server = createServer((req, res) => live(req, res, () => res.end()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/tasks`);
    const transport = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
    const sent = [...res.headers].filter(([name]) => !transport.has(name));
    const computed = helmetHeaders(HELMET_OPTIONS).map(([name, value]) => [name.toLowerCase(), value]);
    assert.deepEqual(sent.sort(), computed.sort());
    assert.ok(computed.length >= 10, `${computed.length} headers`);
  });
});
