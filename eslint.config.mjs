// Lint for the whole workspace; run by ./scripts/test (pnpm lint).
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.cache/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/services/*/src/**', '../../*/src/**'], message: 'services meet only on Kafka topics: never import another service' }],
        },
      ],
    },
  },
  {
    // kafkajs (a patched fork, patches/KAFKAJS-FORK.md) is reached only through kafka-client
    files: [
      'services/**/*.ts',
      'packages/pipeline-tests/**/*.ts',
      'packages/bench/**/*.ts',
      'packages/contracts/**/*.ts',
      'packages/observability/**/*.ts',
      'packages/service-config/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kafkajs', message: 'import Kafka types and producers from @streamtally/kafka-client' }],
          patterns: [
            { group: ['**/services/*/src/**', '../../*/src/**'], message: 'services meet only on Kafka topics: never import another service' },
            { group: ['kafkajs/*'], message: 'kafkajs internals are reached only inside packages/kafka-client' },
          ],
        },
      ],
    },
  },
  {
    // no module may import itself back, directly or through others: a cycle makes load order
    // matter and blurs which module a concern belongs to (packages cannot form one: tsc's
    // project references refuse it)
    files: ['services/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // small files and functions with one job each; a longer one says why in an
    // eslint-disable comment (a hot loop, a table of declarations)
    files: ['services/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 300 }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // rules that need types: a promise nobody awaits or catches, or one handed to code that
    // expects a plain callback, is how a rejection goes unseen
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['**/*.cjs', '**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        document: 'readonly',
        window: 'readonly',
        WebSocket: 'readonly',
        fetch: 'readonly',
        URL: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // the dashboard page runs in the browser
    files: ['services/gateway/public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        history: 'readonly',
        WebSocket: 'readonly',
        URLSearchParams: 'readonly',
        requestAnimationFrame: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        fetch: 'readonly',
        console: 'readonly',
        uPlot: 'readonly',
      },
    },
  },
  {
    // CLIs print their results for a person to read
    files: ['services/*/src/cli/**/*.ts', 'scripts/**/*.ts', 'data/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
