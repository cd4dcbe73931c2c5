// `npm run bench:profile -- <file.cpuprofile>…`: where a V8 CPU profile of the API (from `npm run bench --
// --profile`) spends its time, by layer of the stack: the share of the busy samples each layer's own code
// took (idle samples left out), and the functions that cost most. A script, not a test.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  samples: number[];
  timeDeltas: number[];
}

/** Layers of the stack, by where the code comes from; the first that matches wins. */
const LAYERS: Array<[layer: string, matches: RegExp]> = [
  ['idle', /^\(idle\)$/],
  ['garbage collection', /^\(garbage collector\)$/],
  // A corked write is one writev; a single buffer (pg's messages through the stall guard) is a writeBuffer.
  ['socket writes (kernel; the baseline pays them too)', /^(writev?|writeBuffer|writeUtf8String|writeLatin1String|writeString)$/],
  ['openapi-backend (routing, parsing, validation: ajv, lodash, bath-es5)', /node_modules\/(openapi-backend|ajv|ajv-formats|lodash|bath-es5|qs|cookie|fast-uri)\//],
  ['express 5 and its middleware (router, body-parser, helmet, cors)', /node_modules\/(express|router|body-parser|raw-body|parseurl|helmet|cors|type-is|content-type|mime-types|mime-db|accepts|negotiator|vary|finalhandler|on-finished|send|serve-static|encodeurl|escape-html|etag|fresh|statuses|http-errors|media-typer|depd|debug|iconv-lite|bytes|merge-descriptors)\//],
  ['knex (pool, query builder)', /node_modules\/(knex|tarn)\//],
  ['pg driver (the baseline pays it too)', /node_modules\/(pg|pg-protocol|pg-types|pg-pool|pg-connection-string|postgres-[a-z]+|pgpass)\//],
  ['tokens (jose, lru-cache)', /node_modules\/(jose|lru-cache)\//],
  ['rate limit (express-rate-limit)', /node_modules\/express-rate-limit\//],
  ['telemetry (pino, prom-client)', /node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|quick-format-unescaped|atomic-sleep|prom-client|tdigest|bintrees)\//],
  ['the API\'s own code', /\/dist\/src\//],
  ['the baseline\'s own code', /\/dist\/bench\//],
  ['node:http and streams (the baseline pays them too)', /^node:(_http_|http|net|internal\/(streams|stream_base_commons|http))/],
  ['other Node.js internals and V8', /^(node:|$)/],
];

const layerOf = ({ functionName, url }: CallFrame) =>
  LAYERS.find(([, matches]) => matches.test(url) || matches.test(functionName))?.[0] ?? 'other packages';

async function summarize(file: string, top: number): Promise<string> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byLayer = new Map<string, number>();
  const byFunction = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id)!;
    const micros = profile.timeDeltas[i] ?? 0;
    const layer = layerOf(frame);
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + micros);
    if (layer === 'idle') return;
    const where = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')}:${frame.lineNumber + 1}`;
    byFunction.set(where, (byFunction.get(where) ?? 0) + micros);
  });
  const busy = [...byLayer].filter(([layer]) => layer !== 'idle').reduce((sum, [, micros]) => sum + micros, 0);
  const pct = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)} %`;
  const sorted = (map: Map<string, number>) => [...map].filter(([key]) => key !== 'idle').sort((a, b) => b[1] - a[1]);
  return [
    `${file}: ${(busy / 1e6).toFixed(1)} s busy`,
    '',
    '| layer | share of busy samples |',
    '|---|--:|',
    ...sorted(byLayer).map(([layer, micros]) => `| ${layer} | ${pct(micros)} |`),
    '',
    `Top ${top} functions by their own time:`,
    ...sorted(byFunction).slice(0, top).map(([where, micros]) => `  ${pct(micros)}  ${where}`),
  ].join('\n');
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
if (positionals.length === 0) {
  console.error('usage: npm run bench:profile -- <file.cpuprofile>… [--top 25]');
  process.exit(2);
}
for (const file of positionals) console.log(`${await summarize(file, Number(values.top))}\n`);
