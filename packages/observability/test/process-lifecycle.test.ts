import { spawnSync } from 'node:child_process';
import path from 'node:path';

// runMain and firstStopSignal act on the process, so each case runs in a child process
// that loads the built package.
const built = path.join(__dirname, '..', 'dist', 'index.js');

function runChild(script: string, signal?: NodeJS.Signals) {
  const source = `const { runMain, firstStopSignal } = require(${JSON.stringify(built)});\n${script}`;
  const args = ['-e', source];
  if (!signal) return spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 10_000 });
  // the child reports when its handlers are installed, then the parent signals it
  return spawnSync(
    'bash',
    [
      '-c',
      `"${process.execPath}" -e "$1" & pid=$!; while [ ! -s "$2" ]; do sleep 0.02; done; kill -${signal.replace('SIG', '')} $pid; wait $pid`,
      'child',
      source,
      `/tmp/lifecycle-ready-${process.pid}-${signal}`,
    ],
    {
      encoding: 'utf8',
      timeout: 10_000,
    },
  );
}

describe('runMain', () => {
  it('exits with the code main resolves to', () => {
    expect(runChild("runMain('svc', async () => 3);").status).toBe(3);
  });

  it('exits 1 and names the service when main throws', () => {
    const result = runChild("runMain('streamtally-test', async () => { throw new Error('no broker answered'); });");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('streamtally-test: Error: no broker answered');
  });

  it('ends the process soon after main, even while something keeps the event loop alive', () => {
    const started = Date.now();
    const result = runChild("setInterval(() => {}, 1000); runMain('svc', async () => 4, 200);");
    expect(result.status).toBe(4);
    expect(Date.now() - started).toBeLessThan(5000); // the child's own timeout is 10 s
  });
});

describe('firstStopSignal', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('resolves with %s, and the service then exits by itself', (signal) => {
    const ready = `/tmp/lifecycle-ready-${process.pid}-${signal}`;
    const result = runChild(
      `const fs = require('node:fs'); const hold = setInterval(() => {}, 1000);
       runMain('svc', async () => { const stopped = firstStopSignal(); fs.writeFileSync(${JSON.stringify(ready)}, 'x');
         const got = await stopped; clearInterval(hold); fs.rmSync(${JSON.stringify(ready)}); console.log('stopped by', got); return 0; });`,
      signal,
    );
    expect(result.stdout).toContain(`stopped by ${signal}`);
    expect(result.status).toBe(0);
  });

  it('a second signal ends the process at once (130), after its last words, without waiting for the stop', () => {
    const ready = `/tmp/lifecycle-ready-${process.pid}-second`;
    const first = `/tmp/lifecycle-first-${process.pid}`;
    const source = `const { runMain, firstStopSignal } = require(${JSON.stringify(built)}); const fs = require('node:fs');
      setInterval(() => {}, 1000); // a stop that never ends
      runMain('svc', async () => { const stopped = firstStopSignal((s) => console.log('second', s)); fs.writeFileSync(${JSON.stringify(ready)}, 'x');
        await stopped; fs.writeFileSync(${JSON.stringify(first)}, 'x'); await new Promise(() => {}); return 0; });`;
    const result = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" -e "$1" & pid=$!; while [ ! -s "$2" ]; do sleep 0.02; done; kill -TERM $pid;
         while [ ! -s "$3" ]; do sleep 0.02; done; kill -INT $pid; wait $pid; status=$?; rm -f "$2" "$3"; exit $status`,
        'child',
        source,
        ready,
        first,
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(result.stdout).toContain('second SIGINT');
    expect(result.status).toBe(130);
  });
});
