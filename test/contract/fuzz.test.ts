// Contract fuzzing with fast-check: for every operation, requests derived from the spec's own schemas, valid
// and deliberately broken (wrong types, out of range, unknown fields, odd Unicode, huge values). For each:
// no 5xx, the status is one the spec declares for the operation, and the response matches the declaration.
// Seeded and reproducible: FUZZ_SEED and FUZZ_RUNS (per operation) change them; `npm run fuzz` runs long.
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fuzzSettings } from '../support/settings.js';
import { operations, type JsonSchema, type OperationObject } from './declared.js';
import { assertAnsweredAsDeclared, startFixture, type Fixture } from './fixture.js';

const { seed, runs } = fuzzSettings();

const hostileStrings = fc.constantFrom(
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '😀'.repeat(201), '\u202eRTL', 'e\u0301', '\ufeff', "'; drop table tasks; --",
  '%_\\', '<script>alert(1)</script>', 'x'.repeat(5000), '../../etc/passwd', '${jndi:x}', '9'.repeat(400),
);
/** Strings the schemas accept that are still hard on a server: they get past validation to the database. */
const oddButValid = fc.constantFrom('x\udfffy', '\ud83d tail', 'e\u0301', '\u202eRTL', '😀 emoji', '\ufeffBOM', "it's; --", '100%_\\');
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constant(1e308), fc.constant(-0),
  fc.string(), hostileStrings, fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }),
);
const instant = fc
  .date({ min: new Date('0001-01-03T00:00:00Z'), max: new Date('9999-12-29T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

/** Mostly-valid values for a schema, with a share of hostile ones (the property holds either way). */
function valueFor(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  if (!schema) return anyJson;
  const types = ([] as unknown[]).concat(schema.type ?? []);
  const valid = ((): fc.Arbitrary<unknown> => {
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    if ('const' in schema) return fc.constant(schema.const);
    const options: Array<fc.Arbitrary<unknown>> = [];
    if (types.includes('null')) options.push(fc.constant(null));
    if (types.includes('boolean')) options.push(fc.boolean());
    if (types.includes('integer')) {
      options.push(fc.integer({ min: Number(schema.minimum ?? -1e6), max: Math.min(Number(schema.maximum ?? 1e6), Number.MAX_SAFE_INTEGER) }));
    }
    if (types.includes('string')) {
      if (schema.format === 'date-time') options.push(instant);
      else {
        const maxLength = Math.min(Number(schema.maxLength ?? 60), 300);
        const plain = fc.string({ minLength: 1, maxLength, unit: 'grapheme' }).filter((s) => s.trim().length > 0);
        options.push(fc.oneof({ weight: 2, arbitrary: plain }, { weight: 1, arbitrary: oddButValid }));
      }
    }
    if (types.includes('array')) {
      const items = schema.items as JsonSchema | undefined;
      options.push(fc.uniqueArray(valueFor(items), { maxLength: Math.min(Number(schema.maxItems ?? 5), 5), selector: (v) => JSON.stringify(v) }));
    }
    if (types.includes('object') || schema.properties) options.push(objectFor(schema));
    return options.length > 0 ? fc.oneof(...options) : anyJson;
  })();
  return fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: anyJson }, { weight: 1, arbitrary: hostileStrings });
}

/** Objects with the required fields (usually), some optional ones, and sometimes a field the schema lacks. */
function objectFor(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const fields = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, valueFor(property)]));
  return fc
    .record(fields, { requiredKeys: [] })
    .chain((record) =>
      fc.tuple(fc.constant(record), fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('id', 'user_id', '__proto__', 'extra') })),
    )
    .chain(([record, keepRequired, extra]) =>
      fc.record(Object.fromEntries([...required].map((name) => [name, fields[name]!]))).map((requiredValues) => ({
        ...record,
        ...(keepRequired ? requiredValues : {}),
        ...(extra ? { [extra]: 1 } : {}),
      })),
    );
}

/** Percent-encodes a path segment byte by byte (encodeURIComponent throws on lone surrogates). */
const segment = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** A request for the operation: its path filled in, a query, headers and maybe a body. */
function requestFor(operation: OperationObject, fixture: Fixture) {
  const parameters = operation.parameters ?? [];
  const query = parameters.filter((p) => p.in === 'query');
  const headers = parameters.filter((p) => p.in === 'header');
  const body = operation.requestBody?.content['application/json']?.schema as JsonSchema | undefined;
  return fc.record({
    id: fc.oneof(
      { weight: 3, arbitrary: fc.constant(String(fixture.taskId)) },
      { weight: 1, arbitrary: fc.oneof(fc.nat().map(String), hostileStrings.map(segment), fc.constant('%ff%fe')) },
    ),
    userId: fc.oneof({ weight: 4, arbitrary: fc.constant(fixture.user.id) }, { weight: 1, arbitrary: fc.string({ minLength: 1 }) }),
    query: fc.record(Object.fromEntries(query.map((p) => [p.name, valueFor(p.schema)])), { requiredKeys: [] }),
    unknownQuery: fc.option(fc.constant('bogus'), { freq: 8 }),
    headers: fc.record(Object.fromEntries(headers.map((p) => [p.name, fc.oneof(fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme-ascii' }), fc.constantFrom('"1"', '*', 'W/"1"'))])), { requiredKeys: [] }),
    body: body ? fc.option(valueFor({ ...body, type: 'object' }), { freq: 10 }) : fc.constant(null),
  }).map((r) => {
    const path = operation.path.replace('{id}', r.id).replace('{user_id}', segment(r.userId));
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(r.query)) {
      for (const item of Array.isArray(value) ? value : [value]) search.append(name, typeof item === 'string' ? item : JSON.stringify(item));
    }
    if (r.unknownQuery) search.append(r.unknownQuery, '1');
    return { method: operation.method.toUpperCase(), url: `${path}${search.size ? `?${search.toString()}` : ''}`, headers: r.headers as Record<string, string>, body: r.body ?? undefined };
  });
}

describe(`contract fuzzing (seed ${seed}, ${runs} runs per operation)`, () => {
  let fixture: Fixture;
  before(async () => {
    fixture = await startFixture('Fuzzed');
  });
  after(() => fixture.app.close());

  for (const operation of operations) {
    it(`${operation.operationId}: no 5xx, only declared statuses, responses as declared`, async () => {
      await fc.assert(
        fc.asyncProperty(requestFor(operation, fixture), async (request) => {
          const res = await fixture.app.request(request.method, request.url, { token: fixture.user.token, headers: request.headers, body: request.body });
          const where = `${request.method} ${request.url} ${JSON.stringify(request.headers)} ${JSON.stringify(request.body)?.slice(0, 300)} → ${res.status} ${res.text.slice(0, 300)}`;
          assertAnsweredAsDeclared(operation, res, where);
        }),
        { seed, numRuns: runs, endOnFailure: true },
      );
    });
  }
});
