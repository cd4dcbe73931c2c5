// `npm run check:engines`: every Node.js version this project claims to run on (package.json's engines,
// which the README repeats) must be one that every installed package claims too. npm warns (EBADENGINE) only
// about the Node that runs it; this checks the whole claimed range against each package's, and fails naming
// each package that claims less.
import { readFileSync } from 'node:fs';
import semver from 'semver';

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

const root = JSON.parse(readFileSync('package.json', 'utf8')) as { engines?: { node?: string } };
const claimed = root.engines?.node;
if (!claimed || !semver.validRange(claimed)) {
  console.error('check-engines: package.json must claim the Node.js versions it runs on (engines.node).');
  process.exit(1);
}
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockPackage> };
const offenders: string[] = [];
let checked = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  if (path === '') continue;
  // Old packages write engines as an array of strings; only an object's `node` is a claim npm checks.
  const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
  if (!node) continue;
  checked++;
  if (!semver.validRange(node) || !semver.subset(claimed, node)) offenders.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version ?? '?'} wants node ${node}`);
}
if (offenders.length > 0) {
  console.error(`check-engines: this project claims node ${claimed}, which these packages do not all accept:\n  ${[...new Set(offenders)].sort().join('\n  ')}`);
  process.exit(1);
}
console.log(`check-engines: all ${checked} packages that state their Node.js versions accept node ${claimed}.`);
