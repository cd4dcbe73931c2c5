// The benchmark's baseline: the practical limit of Node + PostgreSQL for the Tasks API's hot operations. Plain
// node:http and pg, no framework, no schema validation beyond what the SQL needs: the same JWT check as the
// API's (HS256, a KeyObject built once, a timing-safe comparison, exp and sub required), the same SQL (named
// prepared statements) and the same JSON. It serves only what `npm run bench` drives: list (first page, with
// the next page's Link), get, create, update and toggle under /api/tasks. Not part of the product.
//
//   node dist/bench/baseline.js --port 3001 --database-url postgres://… --secret … [--workers 2]
import cluster from 'node:cluster';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'database-url': { type: 'string' },
    secret: { type: 'string' },
    workers: { type: 'string', default: '1' },
  },
});
const workers = Number(args.workers);

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
} else {
  serve(Number(args.port), args['database-url']!, args.secret!);
}

const TASK_COLUMNS = 'id, user_id, title, description, completed, priority, tags, due_date, completed_at, created_at, updated_at';
const COLUMNS = `${TASK_COLUMNS}, version`;
const BODY_LIMIT = 16 * 1024;

interface Row {
  id: number;
  user_id: string;
  title: string;
  description: string | null;
  completed: boolean;
  priority: string;
  tags: string[];
  due_date: Date | null;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

function toTask(row: Row) {
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    tags: row.tags,
    due_date: row.due_date?.toISOString() ?? null,
    completed_at: row.completed_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function serve(port: number, databaseUrl: string, secret: string): void {
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, statement_timeout: 10_000, connectionTimeoutMillis: 3000 });
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  const cursorKey = createSecretKey(createHmac('sha256', secret).update('cursor').digest());

  const query = async (name: string, text: string, values: unknown[]): Promise<Row[]> =>
    (await pool.query<Row>({ name, text, values })).rows;

  /** HS256 only; exp and sub required, 30 s of clock tolerance, as the API's verifier. */
  function authenticate(req: IncomingMessage): string {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const [head, payload, signature, extra] = token.split('.');
    if (head === undefined || payload === undefined || signature === undefined || extra !== undefined) throw new HttpError(401, 'A bearer token is required.');
    try {
      if ((JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: unknown }).alg !== 'HS256') throw new Error('alg');
      const expected = createHmac('sha256', key).update(`${head}.${payload}`).digest();
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('signature');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: unknown; exp?: unknown };
      if (typeof claims.exp !== 'number' || claims.exp < Date.now() / 1000 - 30) throw new Error('exp');
      if (typeof claims.sub !== 'string' || claims.sub.length === 0) throw new Error('sub');
      return claims.sub;
    } catch {
      throw new HttpError(401, 'The token is invalid.');
    }
  }

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > BODY_LIMIT) throw new HttpError(413, 'The body is too large.');
      chunks.push(chunk);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new HttpError(400, 'The body is not valid JSON.');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'The body must be an object.');
    return body as Record<string, unknown>;
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const json = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json), ...headers });
    res.end(json);
  }

  const found = (rows: Row[]): Row => {
    if (!rows[0]) throw new HttpError(404, 'Task not found.');
    return rows[0];
  };
  const taskId = (text: string): number => {
    if (!/^\d{1,15}$/.test(text)) throw new HttpError(400, 'The id must be an integer.');
    return Number(text);
  };

  async function list(res: ServerResponse, user: string, search: URLSearchParams): Promise<void> {
    const limit = Number(search.get('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'limit must be 1 to 500.');
    // The API's statement for this shape, text for text (src/tasks/list.sql.ts): the Task's columns, no version.
    const rows = await query('list', `select ${TASK_COLUMNS} from tasks where user_id = $1 order by created_at desc, id desc limit $2::int`, [user, limit + 1]);
    const tasks = rows.slice(0, limit).map(toTask);
    const headers: Record<string, string> = {};
    const last = tasks.at(-1);
    if (rows.length > limit && last) {
      const position = Buffer.from(JSON.stringify([last.created_at, last.id])).toString('base64url');
      const mac = createHmac('sha256', cursorKey).update(`${user}.${position}`).digest('base64url');
      search.set('cursor', `${position}.${mac}`);
      headers.Link = `</api/tasks?${search.toString()}>; rel="next"`;
    }
    send(res, 200, tasks, headers);
  }

  async function create(req: IncomingMessage, res: ServerResponse, user: string): Promise<void> {
    const body = await readJson(req);
    if (typeof body.title !== 'string' || body.title.trim() === '') throw new HttpError(400, 'title is required.');
    const completed = body.completed === true;
    const rows = await query(
      'create',
      `insert into tasks (user_id, id, title, description, completed, completed_at, priority, tags, due_date)
       values ($1, claim_task_id($1, null, null), $2, $3, $4, task_completed_at($4, null, now()), $5::task_priority, $6::text[], $7)
       returning ${COLUMNS}`,
      [user, body.title.trim(), body.description ?? null, completed, body.priority ?? 'medium', body.tags ?? [], body.due_date ?? null],
    );
    const row = rows[0]!;
    send(res, 201, toTask(row), { ETag: `"${row.version}"`, Location: `/api/tasks/${row.id}` });
  }

  async function update(req: IncomingMessage, res: ServerResponse, user: string, id: number): Promise<void> {
    const body = await readJson(req);
    const sets: string[] = [];
    const values: unknown[] = [user, id];
    for (const field of ['title', 'description', 'priority', 'tags', 'due_date', 'completed'] as const) {
      if (body[field] === undefined) continue;
      values.push(field === 'title' ? String(body.title).trim() : body[field]);
      sets.push(`${field} = $${values.length}`);
      if (field === 'completed') sets.push(`completed_at = task_completed_at($${values.length}, completed_at, now())`);
    }
    // One prepared statement per set of fields (the benchmark sends one shape).
    const name = `update:${sets.map((s) => s.split(' ')[0]).join(',')}`;
    const row = found(await query(
      name,
      `update tasks set ${[...sets, 'updated_at = now()', 'version = version + 1'].join(', ')} where user_id = $1 and id = $2 returning ${COLUMNS}`,
      values,
    ));
    send(res, 200, toTask(row), { ETag: `"${row.version}"` });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const user = authenticate(req);
    const parts = url.pathname.split('/'); // ['', 'api', 'tasks', id?, 'complete'?]
    if (parts[1] !== 'api' || parts[2] !== 'tasks' || parts.length > 5) throw new HttpError(404, 'Not found.');
    if (parts.length === 3) {
      if (req.method === 'GET') return list(res, user, url.searchParams);
      if (req.method === 'POST') return create(req, res, user);
      throw new HttpError(405, 'Method not allowed.');
    }
    const id = taskId(parts[3]!);
    if (parts.length === 5) {
      if (parts[4] !== 'complete') throw new HttpError(404, 'Not found.');
      if (req.method !== 'PATCH') throw new HttpError(405, 'Method not allowed.');
      const row = found(await query(
        'toggle',
        `update tasks set completed = not completed, completed_at = task_completed_at(not completed, null, now()),
                updated_at = now(), version = version + 1
         where user_id = $1 and id = $2 returning ${COLUMNS}`,
        [user, id],
      ));
      return send(res, 200, toTask(row), { ETag: `"${row.version}"` });
    }
    if (req.method === 'GET') {
      const row = found(await query('get', `select ${COLUMNS} from tasks where user_id = $1 and id = $2`, [user, id]));
      return send(res, 200, toTask(row), { ETag: `"${row.version}"` });
    }
    if (req.method === 'PUT') return update(req, res, user, id);
    throw new HttpError(405, 'Method not allowed.');
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) console.error(error);
      send(res, status, { status, title: error instanceof HttpError ? error.message : 'Internal error' });
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close(() => void pool.end().then(() => process.exit(0)));
    server.closeIdleConnections();
  });
}
