module.exports = { displayName: 'test-support', testTimeout: 60_000, ...require('../../jest.preset.cjs')(__dirname) };
