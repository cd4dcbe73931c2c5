// What both fuzz files stand on: an app on a pool of one connection with a user and a task of theirs, and the
// check every answer must pass.
import assert from 'node:assert/strict';
import { newUser, startTestApp, type TestApp, type TestResponse } from '../helpers.js';
import { assertMatchesDeclaration, type OperationObject } from './declared.js';

export interface Fixture { app: TestApp; user: { id: string; token: string }; taskId: number }

/** An app on one connection (every statement shape meets every other on it, as named statements do on a busy pool), a user and a task of theirs. */
export async function startFixture(title: string): Promise<Fixture> {
  const app = await startTestApp({ poolMax: 1 });
  const user = await newUser();
  const taskId = (await app.request('POST', '/api/tasks', { token: user.token, body: { title } })).body.id as number;
  return { app, user, taskId };
}

/** No 5xx, a status the operation declares, and the response as declared. */
export function assertAnsweredAsDeclared(operation: OperationObject, res: TestResponse, where: string): void {
  assert.ok(res.status < 500, where);
  const declared = operation.responses[String(res.status)];
  assert.ok(declared, `status ${res.status} is not declared for ${operation.operationId}: ${where}`);
  assertMatchesDeclaration(declared, res);
}
