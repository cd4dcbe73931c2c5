// A TCP proxy in front of PostgreSQL that can stop forwarding without closing anything: what a frozen
// server, a network partition or a paused cloud database looks like from the client. While stalled, bytes
// (and closes) are held in both directions, new connections are accepted but not passed on, and the kernel
// keeps acknowledging; on resume everything held is delivered in order.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Stops forwarding in both directions. */
  stall(): void;
  /** Forwards the client's bytes, but holds the server's answers once a client sends `pattern`. */
  stallAnswersAfter(pattern: string): Promise<void>;
  /** Delivers what was held and forwards again. */
  resume(): void;
  /** Connections opened through the proxy so far. */
  readonly connections: number;
  close(): Promise<void>;
}

type Held = Array<Buffer | 'end'>;

interface Pair {
  client: Socket;
  server?: Socket;
  /** Held on the way to the server, and on the way back to the client. */
  up: Held;
  down: Held;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let toServerHeld = false;
  let toClientHeld = false;
  let trigger: { pattern: string; fired: () => void } | undefined;
  let opened = 0;
  const pairs = new Set<Pair>();

  const openUpstream = (pair: Pair) => {
    const upstream = connect(target.port, target.host);
    pair.server = upstream;
    upstream.on('data', (chunk) => pass(pair.down, chunk, pair.client, toClientHeld));
    upstream.on('end', () => pass(pair.down, 'end', pair.client, toClientHeld));
    upstream.on('error', () => pair.client.destroy());
    upstream.on('close', () => {
      pairs.delete(pair);
      pair.client.destroy();
    });
    deliver(pair.up, upstream);
  };
  const flush = (pair: Pair) => {
    if (!pair.server) openUpstream(pair);
    else deliver(pair.up, pair.server);
    deliver(pair.down, pair.client);
  };

  const server: Server = createServer((client) => {
    opened++;
    const pair: Pair = { client, up: [], down: [] };
    pairs.add(pair);
    client.on('data', (chunk) => {
      if (trigger && chunk.includes(trigger.pattern)) {
        const { fired } = trigger;
        trigger = undefined;
        toClientHeld = true;
        fired();
      }
      pass(pair.up, chunk, pair.server, toServerHeld);
    });
    client.on('end', () => pass(pair.up, 'end', pair.server, toServerHeld));
    client.on('error', () => {});
    // A close while held reaches the server on resume, after what was sent before it, as a frozen
    // server would see it when it wakes up.
    client.on('close', () => pass(pair.up, 'end', pair.server, toServerHeld));
    if (!toServerHeld) openUpstream(pair);
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return opened;
    },
    stall() {
      toServerHeld = true;
      toClientHeld = true;
    },
    stallAnswersAfter(pattern) {
      return new Promise((fired) => (trigger = { pattern, fired }));
    },
    resume() {
      toServerHeld = false;
      toClientHeld = false;
      trigger = undefined;
      for (const pair of pairs) flush(pair);
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server?.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Queues `chunk` for `to`, and delivers the queue unless this direction is held or `to` is not open yet. */
function pass(held: Held, chunk: Buffer | 'end', to: Socket | undefined, holding: boolean): void {
  held.push(chunk);
  if (!holding && to) deliver(held, to);
}

function deliver(held: Held, to: Socket): void {
  while (held.length > 0) {
    const next = held.shift()!;
    if (to.destroyed) continue;
    if (next === 'end') to.end();
    else to.write(next);
  }
}

/** A proxy in front of the database at `databaseUrl`, and that URL through it (the rest of it kept). */
export async function proxyDatabase(databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> {
  const direct = new URL(databaseUrl);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  direct.hostname = '127.0.0.1';
  direct.port = String(proxy.port);
  return { proxy, url: direct.href };
}

/**
 * What a statement sent while the proxy stalls comes to: 'answered', its error's code (or message), or 'no
 * answer at all' once `boundMs` and 10 s more have passed (without a stall guard it would wait for ever).
 */
export async function stalledOutcome(statement: Promise<unknown>, boundMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const noAnswer = new Promise<string>((resolve) => (timer = setTimeout(resolve, boundMs + 10_000, 'no answer at all')));
  const settled = statement.then(() => 'answered', (error: { code?: string; message?: string }) => error.code ?? String(error.message));
  try {
    return await Promise.race([settled, noAnswer]);
  } finally {
    clearTimeout(timer);
  }
}
