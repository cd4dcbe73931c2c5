// The contract as a frontend team's generators read it: a client is generated from the spec this server
// serves by openapi-typescript (its default flags, with openapi-fetch), @hey-api/openapi-ts (fetch client,
// SDK and zod schemas) and orval (fetch client). Each client, with a small program using it, type-checks
// under strict TypeScript, and the program creates a task with a title alone and gets it back from the
// running server; hey-api's zod schema parses both and the task serializes (ids are plain numbers). Each
// program also uses the named enums and the stream's event types, so that a generator that names them
// otherwise (ComponentsParametersStatus), or sees `ready` without its cursor, does not compile.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { environment } from '../../src/config/index.js';
import { ROOT } from '../support/cli.js';
import { newUser, startTestApp, type TestApp } from '../helpers.js';

const run = promisify(execFile);
const WORK = join(ROOT, 'test-output', 'generated-clients');
let app: TestApp;
let user: { id: string; token: string };

before(async () => {
  app = await startTestApp();
  user = await newUser();
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  await writeFile(join(WORK, 'openapi.json'), (await app.request('GET', '/openapi.json')).text);
});
after(() => app.close());

const TSCONFIG = JSON.stringify({
  compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], noEmit: true, skipLibCheck: true },
  include: ['**/*.ts'],
});

/** Generates into a folder of its own, type-checks it with the program, runs the program, returns what it printed. */
async function generateCheckAndRun(name: string, generate: (dir: string) => Promise<void>, program: string): Promise<{ created: Record<string, unknown>; fetched: Record<string, unknown> }> {
  const dir = join(WORK, name);
  await mkdir(dir, { recursive: true });
  await generate(dir);
  await writeFile(join(dir, 'main.ts'), program);
  await writeFile(join(dir, 'tsconfig.json'), TSCONFIG);
  await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', dir]).catch((error: { stdout?: string }) => assert.fail(`${name} does not type-check:\n${error.stdout}`));
  const { stdout } = await run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(dir, 'main.ts')], { env: { ...environment(), BASE_URL: app.baseUrl, TOKEN: user.token } });
  return JSON.parse(stdout) as { created: Record<string, unknown>; fetched: Record<string, unknown> };
}

function assertRoundTrip(result: { created: Record<string, unknown>; fetched: Record<string, unknown> }, title: string) {
  assert.equal(result.created.title, title);
  assert.equal(typeof result.created.id, 'number');
  assert.deepEqual(result.fetched, result.created);
  assert.deepEqual([result.created.priority, result.created.tags, result.created.completed], ['medium', [], false], 'the defaults');
}

const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

describe('clients generated from the served contract', { concurrency: false }, () => {
  it('when openapi-typescript generates types with its default flags, then an openapi-fetch program creates a task from a title alone and gets it back', async () => {
    const result = await generateCheckAndRun(
      'openapi-typescript',
      (dir) => run(bin('openapi-typescript'), [join(WORK, 'openapi.json'), '-o', join(dir, 'schema.ts')]).then(() => undefined),
      `import createClient from 'openapi-fetch';
import type { components, paths } from './schema.js';
type Schemas = components['schemas'];
const query: { status: Schemas['TaskStatusFilter']; sort: Schemas['TaskSort']; order: Schemas['SortOrder'] } = { status: 'pending', sort: 'due_date', order: 'asc' };
const cursorOf = (event: Schemas['TaskStreamEvent']): string => (event.event === 'ready' ? event.data.cursor : '');
void [query, cursorOf];
const client = createClient<paths>({ baseUrl: process.env.BASE_URL!, headers: { Authorization: \`Bearer \${process.env.TOKEN!}\` } });
const created = await client.POST('/api/tasks', { body: { title: 'From openapi-typescript' } });
if (!created.data) throw new Error(JSON.stringify(created.error));
const fetched = await client.GET('/api/tasks/{id}', { params: { path: { id: created.data.id } } });
console.log(JSON.stringify({ created: created.data, fetched: fetched.data }));
`,
    );
    assertRoundTrip(result, 'From openapi-typescript');
  });

  it('when @hey-api/openapi-ts generates an SDK and zod schemas, then a program creates a task from a title alone, parses it and writes it as JSON', async () => {
    const result = await generateCheckAndRun(
      'hey-api',
      (dir) =>
        run(bin('openapi-ts'), ['-i', join(WORK, 'openapi.json'), '-o', join(dir, 'client'), '-c', '@hey-api/client-fetch', '-p', '@hey-api/typescript', '@hey-api/sdk', 'zod', '--no-log-file'])
          .then(() => undefined),
      `import { client } from './client/client.gen.js';
import { createTask, getTask } from './client/sdk.gen.js';
import { zTask } from './client/zod.gen.js';
import type { SortOrder, TaskSort, TaskStatusFilter, TaskStreamEvent } from './client/types.gen.js';
const query: { status: TaskStatusFilter; sort: TaskSort; order: SortOrder } = { status: 'pending', sort: 'due_date', order: 'asc' };
const cursorOf = (event: TaskStreamEvent): string => (event.event === 'ready' ? event.data.cursor : '');
void [query, cursorOf];
client.setConfig({ baseUrl: process.env.BASE_URL!, auth: () => process.env.TOKEN! });
const created = zTask.parse((await createTask({ body: { title: 'From hey-api' }, throwOnError: true })).data);
const fetched = zTask.parse((await getTask({ path: { id: created.id }, throwOnError: true })).data);
// JSON.stringify throws on a BigInt: the ids must be plain numbers.
console.log(JSON.stringify({ created, fetched }));
`,
    );
    assertRoundTrip(result, 'From hey-api');
  });

  it('when orval generates a fetch client, then a program creates a task from a title alone and gets it back', async () => {
    const result = await generateCheckAndRun(
      'orval',
      async (dir) => {
        const config = join(dir, 'orval.config.cjs');
        await writeFile(
          config,
          `module.exports = { tasks: { input: { target: ${JSON.stringify(join(WORK, 'openapi.json'))} }, output: { target: ${JSON.stringify(join(dir, 'api.ts'))}, client: 'fetch', mode: 'single', baseUrl: ${JSON.stringify(app.baseUrl)} } } };\n`,
        );
        await run(bin('orval'), ['--config', config]);
      },
      `import { createTask, getTask } from './api.js';
import type { SortOrder, TaskSort, TaskStatusFilter, TaskStreamEvent } from './api.js';
const query: { status: TaskStatusFilter; sort: TaskSort; order: SortOrder } = { status: 'pending', sort: 'due_date', order: 'asc' };
const cursorOf = (event: TaskStreamEvent): string => (event.event === 'ready' ? event.data.cursor : '');
void [query, cursorOf];
const options = { headers: { Authorization: \`Bearer \${process.env.TOKEN!}\` } };
const created = await createTask({ title: 'From orval' }, options);
if (created.status !== 201) throw new Error(JSON.stringify(created));
const fetched = await getTask(created.data.id, options);
console.log(JSON.stringify({ created: created.data, fetched: fetched.data }));
`,
    );
    assertRoundTrip(result, 'From orval');
  });
});
