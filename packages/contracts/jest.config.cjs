module.exports = { displayName: 'contracts', testTimeout: 60_000, ...require('../../jest.preset.cjs')(__dirname) };
