// A stand-in catch-up thread (catch-up-thread.test.ts), behaving as workerData.behaviour says:
// 'fail' says it failed; 'die' starts, then exits with code 5; 'echo' starts, answers each
// jobs update with a count of its jobs and a Kafka client's event, and closes when told.
const { parentPort, workerData } = require('node:worker_threads');
const { behaviour } = workerData.settings;
if (behaviour === 'fail') parentPort.postMessage({ type: 'failed', reason: 'no broker at kafka:9092' });
else {
  parentPort.postMessage({ type: 'started' });
  if (behaviour === 'die') setTimeout(() => process.exit(5), 50);
  parentPort.on('message', (message) => {
    if (message.type === 'jobs') {
      parentPort.postMessage({ type: 'kafka', event: { kind: 'request', api: 'Fetch', seconds: 0.01 } });
      parentPort.postMessage({ type: 'counted', job: message.running[0].stateId, events: message.running.length });
    } else parentPort.postMessage({ type: 'closed' });
  });
}
