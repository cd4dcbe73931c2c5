// Lint: typescript-eslint's recommended type-checked rules, plus two of the house rules as errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
      // SQL lives in src/db/ only: elsewhere, knex and pg may be imported for their types alone.
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [
          { name: 'knex', message: 'SQL belongs in src/db/.', allowTypeImports: true },
          { name: 'pg', message: 'SQL belongs in src/db/.', allowTypeImports: true },
        ],
      }],
    },
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
