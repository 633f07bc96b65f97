module.exports = { displayName: 'aggregator', testTimeout: 60_000, ...require('../../jest.preset.cjs')(__dirname) };
