module.exports = { displayName: 'pipeline', testTimeout: 180_000, ...require('../../jest.preset.cjs')(__dirname) };
