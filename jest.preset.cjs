// Shared Jest settings: TypeScript through SWC (type checking is `tsc -b`'s job), and
// workspace packages resolved to their sources so a test never needs a stale dist/.
const path = require('node:path');

module.exports = function jestPreset(packageDir) {
  return {
    rootDir: packageDir,
    testEnvironment: 'node',
    roots: ['<rootDir>/test'],
    testMatch: ['**/*.test.ts'],
    transform: {
      '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
      // ESM-only dependencies (cookie@2, used by fastify's inject; content-disposition@3, by
      // @fastify/static) become CommonJS for Jest
      '^.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
    },
    transformIgnorePatterns: ['^(?!.*/\\.pnpm/(cookie|content-disposition)@).*/node_modules/'],
    moduleNameMapper: {
      '^@streamtally/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
      // a package's second entry point (`@streamtally/contracts/sources`)
      '^@streamtally/([a-z-]+)/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/$2/index.ts'),
    },
    testEnvironmentOptions: { globalsCleanup: 'off' },
  };
};
