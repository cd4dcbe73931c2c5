// `npm run help`: what each script does (the descriptions live beside the scripts, in package.json).
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  scripts: Record<string, string>;
  scriptsHelp: Record<string, string>;
};
const width = Math.max(...Object.keys(pkg.scriptsHelp).map((name) => name.length));
console.log('npm run <script>:\n');
for (const [name, help] of Object.entries(pkg.scriptsHelp)) console.log(`  ${name.padEnd(width)}  ${help}`);
const undocumented = Object.keys(pkg.scripts).filter((name) => !(name in pkg.scriptsHelp));
if (undocumented.length > 0) console.log(`\n  (also: ${undocumented.join(', ')})`);
