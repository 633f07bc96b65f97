module.exports = { displayName: 'kafka-client', testTimeout: 60_000, ...require('../../jest.preset.cjs')(__dirname) };
