// The security headers every answer starts with. They do not depend on the request, so helmet (the source of
// the set and its values) is asked for them once, at start-up, through its middleware, and the app sets the
// list (app.ts), instead of helmet's twelve middleware calls per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

// The API's own CSP allows nothing (it serves no HTML but /docs, which sets its own).
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
};

/** What helmet's middleware sets on a response, in its order. */
export function helmetHeaders(options: HelmetOptions): Array<readonly [string, string]> {
  const set = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => set.set(name, value),
    removeHeader: (name: string) => set.delete(name),
  };
  let done = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    done = error === undefined;
  });
  if (!done) throw new Error('helmet did not set its headers at once: they cannot be computed ahead');
  return [...set];
}
