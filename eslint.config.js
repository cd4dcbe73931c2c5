// Lint: typescript-eslint's recommended type-checked rules, plus the house rules as errors: one reader of the
// environment, SQL through db/, and imports that point down the layers of src/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// What each folder of src/ may import besides itself: only what stands below it. A feature builds on the
// pipeline's primitives, the pipeline on auth, everything on db/, config/ and contract/; nothing below
// imports what stands above it, and only the process shell runs migrations (whose runner imports db/).
const BELOW = {
  contract: [],
  config: [],
  db: ['config', 'contract'],
  auth: ['config', 'contract'],
  pipeline: ['auth', 'db', 'config', 'contract'],
  tasks: ['pipeline', 'auth', 'db', 'config', 'contract'],
  sync: ['tasks', 'pipeline', 'auth', 'db', 'config', 'contract'],
  'service-routes': ['pipeline', 'db', 'config', 'contract'],
};
const FOLDERS = [...Object.keys(BELOW), 'process'];
const layering = Object.entries(BELOW).map(([folder, below]) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{
        group: [...FOLDERS.filter((f) => f !== folder && !below.includes(f)).map((f) => `../${f}/*`), '../*.js', '../../migrations/*'],
        message: `src/${folder}/ imports only what stands below it: ${below.join(', ') || 'nothing'} (eslint.config.js).`,
      }],
    }],
  },
}));

export default tseslint.config(
  // examples/ are apps of their own, with their own dependencies and checks (next build type-checks them).
  { ignores: ['node_modules/', 'dist/', 'src/contract/schema.ts', 'packages/*/src/schema.ts', 'packages/*/dist/', 'scratch/', '.data/', 'test-output/', 'examples/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // The only reader of the environment is src/config/.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config/.' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/db/**'],
    rules: {
      // knex and pg are loaded in src/db/ only: a feature's statements (its *.sql.ts files, run through
      // src/db/statement.ts) and repository take the instance they are given, and import knex for its types.
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [
          { name: 'knex', message: 'knex is loaded in src/db/ only.', allowTypeImports: true },
          { name: 'pg', message: 'pg is loaded in src/db/ only.', allowTypeImports: true },
        ],
      }],
    },
  },
  ...layering,
  {
    files: ['src/service.ts', 'src/operations.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['./process/*', './main.js', './service.js'], message: 'The composition root stands below the process shell.' }] }] },
  },
  { files: ['src/config/**/*.ts'], rules: { 'no-restricted-properties': 'off' } },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read loosely typed JSON bodies on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'before', 'after'] }],
      }],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
