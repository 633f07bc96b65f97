module.exports = { displayName: 'producer', testTimeout: 60_000, ...require('../../jest.preset.cjs')(__dirname) };
