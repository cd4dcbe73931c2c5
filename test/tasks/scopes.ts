import { describe } from 'node:test';

// Every behaviour is checked under both URL scopes; `scope(user)` gives the collection path.
const scopes = {
  implicit: (_user: { id: string }) => '/api/tasks',
  explicit: (user: { id: string }) => `/api/${encodeURIComponent(user.id)}/tasks`,
};

export type Scope = (typeof scopes)['implicit'];

/** Declares `body`'s tests once under each scope, in a describe block named after it. */
export function underEachScope(body: (scope: Scope) => void): void {
  for (const [name, scope] of Object.entries(scopes)) describe(`tasks under the ${name} scope`, () => body(scope));
}
