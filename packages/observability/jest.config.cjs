module.exports = { displayName: 'observability', testTimeout: 60_000, ...require('../../jest.preset.cjs')(__dirname) };
