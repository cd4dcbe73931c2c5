import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import express from 'express';
import { expressBuilt } from '../../src/pipeline/express-prototypes.js';
import { listen } from '../../src/pipeline/server.js';

/** An app that answers with what express made of the request and its response. */
function recordingApp() {
  const app = express();
  app.get('/tasks/:id', (req, res) => {
    res.status(201).json({
      id: req.params.id,
      path: req.path,
      query: req.query,
      request: Object.getPrototypeOf(req) === app.request,
      response: Object.getPrototypeOf(res) === app.response,
      nodeClasses: req instanceof IncomingMessage && res instanceof ServerResponse,
    });
  });
  return app;
}

async function get(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/tasks/7?q=a`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const EXPRESS_MADE = { id: '7', path: '/tasks/7', query: { q: 'a' }, request: true, response: true, nodeClasses: true };

describe('requests and responses built with express\'s prototypes', () => {
  it('express gives a request and its response the app\'s prototypes (what expressBuilt relies on)', async (t) => {
    const app = recordingApp();
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    assert.deepEqual(await get((server.address() as AddressInfo).port), { status: 201, body: EXPRESS_MADE });
  });

  it('the API\'s server builds them with those prototypes already, so express changes none, and express works as before', async (t) => {
    const app = recordingApp();
    const arrived: Array<{ request: boolean; response: boolean }> = [];
    const http = await listen(app, 0, '127.0.0.1');
    t.after(() => http.close());
    // Before any listener of the server's (and so before express) sees them.
    http.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      arrived.push({ request: Object.getPrototypeOf(req) === app.request, response: Object.getPrototypeOf(res) === app.response });
    });
    assert.deepEqual(await get(http.port), { status: 201, body: EXPRESS_MADE });
    assert.deepEqual(arrived, [{ request: true, response: true }]);
  });

  it('Node\'s http classes are functions its subclasses can call (what expressBuilt calls them as)', () => {
    const { IncomingMessage: Request, ServerResponse: Response } = expressBuilt(express());
    assert.notEqual(Request, IncomingMessage, 'IncomingMessage is a class here: express sets prototypes itself again (slower)');
    assert.notEqual(Response, ServerResponse, 'ServerResponse is a class here: express sets prototypes itself again (slower)');
  });
});
