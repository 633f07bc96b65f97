module.exports = { displayName: 'service-config', testTimeout: 60_000, ...require('../../jest.preset.cjs')(__dirname) };
