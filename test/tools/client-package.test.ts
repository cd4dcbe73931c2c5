// The client package as another app gets it, the one way docs/reference/client.md documents: `npm pack` of
// packages/client, installed into a fresh directory that has nothing of this repository. The tarball
// holds only compiled ESM and declarations; the app's node_modules gets the client and openapi-fetch and
// nothing of the server; a program using it type-checks under strict TypeScript and runs against a live API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { environment } from '../../src/config/index.js';
import { ROOT } from '../support/cli.js';
import { newUser, startTestApp, type TestApp } from '../helpers.js';

const run = promisify(execFile);
const WORK = join(ROOT, 'test-output', 'client-package');
const APP = join(WORK, 'app');

const PROGRAM = `import { createTasksClient, TasksApiError, type Task } from '@tasks-api/client';

let tokens = 0;
const api = createTasksClient({ baseUrl: process.argv[2]!, getToken: () => (tokens++, process.argv[3]) });
const created: Task = await api.createTask({ title: 'From a packed client', tags: ['packed'] });
const { tasks } = await api.listTasks({ tag: ['packed'] });
let refused = 0;
try {
  await api.getTask(created.id + 1000);
} catch (error) {
  if (error instanceof TasksApiError) refused = error.status;
}
console.log(JSON.stringify({ title: created.title, listed: tasks.map((t) => t.id === created.id), refused, tokens }));
`;


describe('the client package installed from npm pack into a separate app', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await rm(WORK, { recursive: true, force: true });
    await mkdir(APP, { recursive: true });
  });
  after(() => app.close());

  it('when packed and installed, then it brings only openapi-fetch, type-checks and works against the API', async () => {
    const env = environment();
    const { stdout } = await run('npm', ['pack', '-w', 'packages/client', '--pack-destination', WORK, '--json'], { cwd: ROOT, env });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed!.files.map((f) => f.path);
    assert.ok(files.includes('dist/index.js') && files.includes('dist/index.d.ts'), files.join(', '));
    assert.deepEqual(files.filter((f) => !/^(dist\/|package\.json$|README\.md$)/.test(f)), [], 'compiled files and the manifest only');

    await writeFile(join(APP, 'package.json'), JSON.stringify({ name: 'separate-app', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(WORK, packed!.filename)], { cwd: APP, env });
    const installed = (await readdir(join(APP, 'node_modules'), { recursive: true }))
      .filter((path) => path.endsWith('package.json') && path.split('/').length <= 3 && !path.includes('/dist/'))
      .map((path) => path.replace(/\/package\.json$/, ''))
      .sort();
    assert.deepEqual(installed, ['@tasks-api/client', 'openapi-fetch', 'openapi-typescript-helpers']);
    const manifest = JSON.parse(await readFile(join(APP, 'node_modules/@tasks-api/client/package.json'), 'utf8')) as { dependencies: object };
    assert.deepEqual(Object.keys(manifest.dependencies), ['openapi-fetch']);

    // The app's own TypeScript settings: strict, ESM, DOM and no Node typings (what a browser app has).
    await writeFile(join(APP, 'main.ts'), `declare const process: { argv: string[] };\n${PROGRAM}`);
    await writeFile(
      join(APP, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: [], outDir: 'out' }, include: ['main.ts'] }),
    );
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', APP]).catch((error: { stdout?: string }) => assert.fail(`does not type-check:\n${error.stdout}`));

    const user = await newUser();
    const result = await run(process.execPath, [join(APP, 'out', 'main.js'), app.baseUrl, user.token], { cwd: APP });
    assert.deepEqual(JSON.parse(result.stdout), { title: 'From a packed client', listed: [true], refused: 404, tokens: 1 });
  });
});
