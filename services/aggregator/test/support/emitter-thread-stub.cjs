// A stand-in emitter thread (emitter-thread.test.ts), behaving as workerData.settings.behaviour says:
// 'fail' says it failed; otherwise it starts, and
// - 'echo': answers an assignment with a Kafka client's event and a tick that reports the
//   assignment as a change to the open-windows gauge, the job `failing` failing since 1,000 ms
//   before, and an error; answers jobs with a tick that began 500 ms before and does not end;
// - 'die-until-jobs': exits with code 5 at once while it was started with no jobs; started with
//   some, reports the jobs and the assignment it started with as one tick's change.
// It closes when told.
const { parentPort, workerData } = require('node:worker_threads');
const { behaviour } = workerData.settings;
const tell = (message) => parentPort.postMessage(message);
if (behaviour === 'fail') tell({ type: 'failed', reason: 'no broker at kafka:9092' });
else if (behaviour === 'die-until-jobs' && workerData.running.length === 0) {
  tell({ type: 'started' });
  setTimeout(() => process.exit(5), 20);
} else {
  tell({ type: 'started' });
  if (behaviour === 'die-until-jobs') {
    const labels = { aggregation: workerData.running.map((r) => r.stateId).join(','), owned: JSON.stringify(workerData.owned) };
    tell({ type: 'ticked', changes: [['openWindows', 'set', labels, 1]], failing: [], lastError: null });
  }
  parentPort.on('message', (message) => {
    if (message.type === 'close') return tell({ type: 'closed' });
    if (message.type === 'jobs') return tell({ type: 'tick', startedAt: Date.now() - 500 });
    tell({ type: 'kafka', event: { kind: 'request', api: 'Produce', seconds: 0.01 } });
    tell({ type: 'tick', startedAt: Date.now() });
    const changes = [['openWindows', 'set', { aggregation: JSON.stringify(message.owned) }, 1]];
    tell({ type: 'ticked', changes, failing: [['failing', Date.now() - 1000]], lastError: 'Redis said no' });
  });
}
