// Runs every package's Jest project together: `pnpm test` at the root.
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.cjs', '<rootDir>/services/*/jest.config.cjs'],
  // integration tests wait on a real broker (group joins take a few seconds)
  testTimeout: 60_000,
};
