module.exports = { displayName: 'gateway', testTimeout: 60_000, ...require('../../jest.preset.cjs')(__dirname) };
