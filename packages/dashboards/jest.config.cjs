module.exports = { displayName: 'dashboards', testTimeout: 60_000, ...require('../../jest.preset.cjs')(__dirname) };
