// Preloaded into a process (node --require scripts/bench/heap-sampling.cjs): V8's sampling heap
// profiler over everything the process allocates, objects the garbage collector has since
// freed included (node --heap-prof keeps only those still alive at exit), written to
// HEAP_SAMPLING_FILE when the process gets SIGTERM. Read it with heap-top.cjs.
'use strict';
const inspector = require('node:inspector');
const fs = require('node:fs');
const file = process.env.HEAP_SAMPLING_FILE || `/tmp/heap-sampling-${process.pid}.heapprofile`;
const session = new inspector.Session();
session.connect();
session.post('HeapProfiler.enable');
// one sample per 32 KiB allocated: fine enough for shares, cheap enough not to change the run much
session.post('HeapProfiler.startSampling', { samplingInterval: 32 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
process.once('SIGTERM', () => {
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (!err) fs.writeFileSync(file, JSON.stringify(result.profile));
    process.exit(0);
  });
});
