// express gives every request and response its app's prototypes (`app.request`, `app.response`) with
// Object.setPrototypeOf, in app.handle. V8 makes an object whose prototype changes after it was built slower
// in every function that touches it afterwards, and Node's own http code touches a request and its response
// all the way through. Node's http server builds them from the classes it is given (its documented
// `IncomingMessage` and `ServerResponse` options): given classes whose prototypes are already the app's,
// express's call changes nothing. What it bought is in docs/explanation/performance.md. express documents
// neither `app.request` nor that call, and the classes below call Node's as functions, as Node's own
// subclasses do: this is the one module that relies on all three, and
// test/pipeline/express-prototypes.unit.test.ts pins them.
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';

export interface HttpClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/** The classes for Node's http server that build an app's requests and responses with its prototypes. */
export function expressBuilt(app: Express): HttpClasses {
  return { IncomingMessage: bornWith(IncomingMessage, app.request), ServerResponse: bornWith(ServerResponse, app.response) };
}

/**
 * `base`, building its objects with `prototype` (which inherits from `base.prototype`). Node's http classes
 * are functions that can be called on the object being built. Were one a `class` (a later Node), it is
 * given back as it is, and express sets the prototype as before: slower, not wrong. (Reflect.construct
 * would work for a class, but V8 builds through it slowly: slower than express's own call, measured.)
 */
function bornWith<T extends abstract new (first: never, second: never) => object>(base: T, prototype: object): T {
  if (Function.prototype.toString.call(base).startsWith('class')) return base;
  const construct = base as unknown as (this: object, first: unknown, second: unknown) => void;
  function Born(this: object, first: unknown, second: unknown): void {
    construct.call(this, first, second);
  }
  Born.prototype = prototype;
  return Born as unknown as T;
}
