// A page on its own origin that loads the typed client as a browser does (the package's compiled ESM, with
// openapi-fetch through an import map), mints test tokens for it at /token, and offers the test a small
// harness on `window.harness`. The API runs on another origin, so every call and reconnect goes through CORS.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { signToken } from './tokens.js';

const HARNESS = `
import { createTasksClient } from '/client/index.js';
const api = new URL(location.href).searchParams.get('api');
const harness = {
  tokens: 0, events: [], states: [], failure: undefined,
  client({ user, ttl = 300, bad = false, passFetch = false }) {
    const getToken = async () => {
      harness.tokens++;
      return (await fetch('/token?user=' + encodeURIComponent(user) + '&ttl=' + ttl + (bad ? '&bad=1' : ''))).text();
    };
    return createTasksClient({ baseUrl: api, getToken, ...(passFetch ? { fetch: window.fetch } : {}) });
  },
  subscribe(client, lastEventId) {
    const controller = new AbortController();
    harness.stop = () => { controller.abort(); return harness.done; };
    const onState = (s) => harness.states.push({ status: s.status, error: s.error && s.error.message });
    harness.done = (async () => {
      try {
        for await (const event of client.subscribe({ signal: controller.signal, onState, ...(lastEventId ? { lastEventId } : {}) })) {
          harness.events.push({ type: event.type, id: event.id, title: event.task && event.task.title });
        }
      } catch (error) {
        harness.failure = { name: error.name, status: error.status, message: error.message };
      }
    })();
  },
};
window.harness = harness;
`;

export interface ClientPage {
  origin: string;
  /** Tokens minted by /token so far. */
  readonly minted: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json' };

/** Compiles packages/client as its build does, into a directory of its own, and serves a page that loads it. */
export async function startClientPage(): Promise<ClientPage> {
  const out = await mkdtemp(join(tmpdir(), 'tasks-client-'));
  await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'packages/client/tsconfig.json', '--outDir', out]);
  const openapiFetch = await readFile('node_modules/openapi-fetch/dist/index.mjs');
  let minted = 0;
  const page = `<!doctype html><meta charset="utf-8"><title>client</title>
<script type="importmap">{ "imports": { "openapi-fetch": "/vendor/openapi-fetch.mjs" } }</script>
<script type="module">${HARNESS}</script>`;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://page');
      if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      if (url.pathname === '/favicon.ico') return res.writeHead(204).end();
      if (url.pathname === '/vendor/openapi-fetch.mjs') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(openapiFetch);
      if (url.pathname === '/token') {
        minted++;
        const ttl = Number(url.searchParams.get('ttl'));
        const secret = url.searchParams.get('bad') ? 'another secret, of at least thirty-two characters' : undefined;
        const token = await signToken(url.searchParams.get('user')!, { expiresIn: Math.floor(Date.now() / 1000) + ttl, ...(secret ? { secret } : {}) });
        return res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      }
      const file = normalize(url.pathname.replace(/^\/client\//, ''));
      if (url.pathname.startsWith('/client/') && !file.startsWith('..')) {
        const body = await readFile(join(out, file)).catch(() => undefined);
        if (body) return res.writeHead(200, { 'content-type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'text/plain' }).end(body);
      }
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get minted() {
      return minted;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(out, { recursive: true, force: true });
    },
  };
}
