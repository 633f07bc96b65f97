import { silentLogger } from '@streamtally/observability';
import { createPacer } from '../../src/pacing/pacer';
import { BatchSender } from '../../src/replay/batch-sender';
import type { OutgoingBatch } from '../../src/replay/outgoing-batch';
import { unpackBatch } from '../../src/replay/packed-batch';
import { Clock } from '../../src/replay/clock';
import { PACE_SLACK_MS, replayFile, ReplaySettings } from '../../src/replay/replay';
import { UserLogRows } from '../../src/rows/user-log-rows';

const settings: ReplaySettings = {
  file: 'log.csv',
  deadLetterTopic: 'dlq',
  loop: false,
};

/** The user_log file's rows, for topic `events`, which takes records of up to `maxRecordBytes`. */
const userLogRows = (maxRecordBytes = Infinity) => new UserLogRows({ year: 2015, maxRowBytes: 4096, maxFieldBytes: 256 }, { topic: 'events', maxRecordBytes });

/** A sender whose batches are kept, unpacked, with keys and values as text. */
function collectingSender(maxMessages: number) {
  const batches: OutgoingBatch[] = [];
  const sender = new BatchSender({ send: async (packed) => void batches.push(unpackBatch(packed)), maxMessages, maxBytes: 1e9 });
  const messages = (topic: string) =>
    batches.flatMap((b) => b.byTopic.get(topic) ?? []).map((m) => ({ key: m.key?.toString() ?? null, value: m.value.toString() }));
  return { sender, messages };
}

function setup(chunks: (string | Buffer)[], overrides: Partial<ReplaySettings> & { maxEventRecordBytes?: number } = {}, signal = new AbortController().signal) {
  const { sender, messages } = collectingSender(3);
  let now = 1_000;
  const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
  const run = () =>
    replayFile(
      { ...settings, ...overrides },
      {
        rows: userLogRows(overrides.maxEventRecordBytes),
        openFile: async function* () {
          for (const c of chunks) yield Buffer.isBuffer(c) ? c : Buffer.from(c);
        },
        pacer: createPacer({ mode: 'fixed', eventsPerSecond: 10 }),
        sender,
        clock,
        logger: silentLogger(),
        signal,
      },
    );
  return { run, messages };
}

describe('replayFile', () => {
  it('sends good rows as keyed events and bad rows as dead letters, skipping the header', async () => {
    const file =
      'user_id,item_id,cat_id,merchant_id,brand_id,month,day,action,age_range,gender,province\r\n' +
      '7,2,3,4,5,11,11,2,3,0,上海\r\n' +
      'x,2,3,4,5,11,11,2,3,0,上海\r\n' +
      '8,2,3,4,,11,11,0,,,广东\r\n';
    const { run, messages } = setup([file]);
    const summary = await run();
    expect(summary).toMatchObject({ events: 2, deadLettered: 1, headerLines: 1, linesRead: 4, stoppedBy: 'end of file' });
    expect(summary.deadLetterReasons).toEqual({ bad_user_id: 1 });
    const events = messages('events').map((m) => ({ key: m.key, value: JSON.parse(String(m.value)) }));
    expect(events).toEqual([
      { key: '7', value: expect.objectContaining({ user_id: 7, line: 2, ts: 1000, province: '上海' }) },
      // the refused row between took the slot at 1100: dead letters keep the pace too
      { key: '8', value: expect.objectContaining({ user_id: 8, line: 4, ts: 1200, gender: 2, brand_id: null }) },
    ]);
    expect(JSON.parse(String(messages('dlq')[0]!.value))).toMatchObject({ source: { file: 'log.csv', line: 3 }, raw: 'x,2,3,4,5,11,11,2,3,0,上海' });
  });

  it('reads a file with no header and no final newline, and dead-letters undecodable bytes', async () => {
    const { run, messages } = setup([Buffer.concat([Buffer.from('1,2,3,4,5,6,7,0,1,1,'), Buffer.from([0xff]), Buffer.from('\n9,2,3,4,5,6,7,0,1,1,北京')])]);
    const summary = await run();
    expect(summary).toMatchObject({ events: 1, deadLettered: 1, headerLines: 0 });
    expect(messages('events').map((m) => m.key)).toEqual(['9']);
    expect(summary.deadLetterReasons).toEqual({ undecodable: 1 });
  });

  it(`sends an event due within ${PACE_SLACK_MS} ms at once with its slot's event time, and waits for later ones`, async () => {
    const { sender, messages } = collectingSender(100);
    let now = 1_000;
    const sleeps: number[] = [];
    const clock: Clock = { now: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) };
    const rows = Array.from({ length: 5 }, (_, i) => `${i + 1},2,3,4,5,6,7,0,1,1,北京`).join('\n');
    await replayFile(settings, {
      rows: userLogRows(),
      openFile: async function* () {
        yield Buffer.from(rows);
      },
      pacer: createPacer({ mode: 'fixed', eventsPerSecond: 400 }), // a slot every 2.5 ms
      sender,
      clock,
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    const ts = messages('events').map((m) => JSON.parse(m.value).ts);
    expect(ts).toEqual([1000, 1003, 1005, 1008, 1010]);
    expect(sleeps).toEqual([5, 5]); // the slots 5 ms ahead; the 2.5 ms ones went out at once
  });

  it('stops at the limit and with --loop replays the file again', async () => {
    const { run, messages } = setup(['1,2,3,4,5,6,7,0,1,1,北京\n2,2,3,4,5,6,7,0,1,1,北京\n'], { loop: true, limit: 5 });
    const summary = await run();
    expect(summary).toMatchObject({ events: 5, passes: 3, stoppedBy: 'limit' });
    expect(messages('events').map((m) => m.key)).toEqual(['1', '2', '1', '2', '1']);
  });

  it('on a signal stops reading, flushes what was sent and reports where to resume', async () => {
    const controller = new AbortController();
    const { run, messages } = setup(['1,2,3,4,5,6,7,0,1,1,北京\n', '2,2,3,4,5,6,7,0,1,1,北京\n'], {}, controller.signal);
    controller.abort();
    const summary = await run();
    expect(summary.stoppedBy).toBe('signal');
    expect(messages('events')).toHaveLength(0);
    expect(summary.nextLine).toBe(1);
  });

  it('a stray quote swallows no rows: 5 rows in, 5 events out', async () => {
    const file =
      [
        '1,2,3,4,5,11,11,0,1,0,上海',
        '2,2,3,4,5,11,11,0,1,0,27" monitor',
        '3,2,3,4,5,11,11,0,1,0,广东',
        '4,2,3,4,5,11,11,0,1,0,北京',
        '5,2,3,4,5,11,11,0,1,0,the end"',
      ].join('\n') + '\n';
    const { run, messages } = setup([file]);
    const summary = await run();
    expect(summary).toMatchObject({ events: 5, deadLettered: 0, linesRead: 5 });
    expect(messages('events').map((m) => JSON.parse(String(m.value)).province)).toEqual(['上海', '27" monitor', '广东', '北京', 'the end"']);
  });

  it('every row is an event or one dead letter: oversized, control characters, unclosed quotes, a 1 MB province', async () => {
    const rows = [
      '1,2,3,4,5,11,11,0,1,0,上海',
      '2,2,3,4,5,11,11,0,1,0,' + 'p'.repeat(1_000_000),
      '3,2,3,4,5,11,11,0,1,0,广\u001b东',
      '4,2,3,4,5,11,11,0,1,0,"open',
      '5,2,3,4,5,11,11,0,1,0,' + '省'.repeat(100),
      '6,2,3,4,5,11,11,0,1,0,北京',
    ];
    const bytes = Buffer.from(rows.join('\r\n') + '\r\n');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 65_536) }, (_, i) => bytes.subarray(i * 65_536, (i + 1) * 65_536));
    const { run, messages } = setup(chunks);
    const summary = await run();
    expect(summary).toMatchObject({ events: 2, deadLettered: 4, linesRead: 6 });
    const letters = messages('dlq').map((m) => ({ key: m.key, size: Buffer.byteLength(m.value), letter: JSON.parse(String(m.value)) }));
    expect(letters.map((l) => [l.key, l.letter.reason, l.letter.rawBytes, l.letter.truncated])).toEqual([
      ['log.csv:2', 'row: 1000022 bytes, more than 4096', 1_000_022, true],
      ['log.csv:3', 'field province: control character U+001B at character 2', 29, false],
      ['log.csv:4', 'field province: a quoted field is not closed', 27, false],
      ['log.csv:5', 'field province: 300 bytes, more than 256', 322, false],
    ]);
    for (const { size } of letters) expect(size).toBeLessThan(2048);
    expect(summary.deadLetterReasons).toEqual({ too_long: 1, control_character: 1, unclosed_quote: 1, bad_province: 1 });
  });

  it('a row read from its bytes and the same row through the text parser (quoted) give the same event', async () => {
    const { run, messages } = setup(['5,2,3,4,,05,11,0,,1,上海\n5,2,3,4,,05,11,0,,1,"上海"\n']);
    expect(await run()).toMatchObject({ events: 2, deadLettered: 0 });
    const [fromBytes, fromText] = messages('events');
    expect(fromBytes!.key).toBe(fromText!.key);
    // the same JSON but for the event time (its own slot) and the line
    const [a, b] = [JSON.parse(fromBytes!.value), JSON.parse(fromText!.value)];
    expect({ ...a, ts: 0, line: 0 }).toEqual({ ...b, ts: 0, line: 0 });
    expect(fromBytes!.value).toBe(JSON.stringify(a));
  });

  it('an event larger than the topic takes is a dead letter with its size, whichever parser read it', async () => {
    const { run, messages } = setup(['1,2,3,4,5,6,7,0,1,1,北京\n2,2,3,4,5,6,7,0,1,1,"北京"\n'], { maxEventRecordBytes: 100 });
    const summary = await run();
    expect(summary).toMatchObject({ events: 0, deadLettered: 2, deadLetterReasons: { too_large_for_topic: 2 } });
    expect(messages('dlq').map((m) => JSON.parse(m.value).reason)).toEqual([
      'record: 159 bytes, more than topic events takes (100, from its max.message.bytes)',
      'record: 159 bytes, more than topic events takes (100, from its max.message.bytes)',
    ]);
  });
});

describe('a file of the wrong shape', () => {
  const threeColumns = (rows: number) => ['a,b,c', ...Array.from({ length: rows }, (_, i) => `${i},x,y`)].join('\n') + '\n';

  it('a pass whose rows are all refused stops the replay, LOOP or not, naming the first refusal', async () => {
    const { run, messages } = setup([threeColumns(50)], { loop: true });
    const summary = await run();
    expect(summary).toMatchObject({ stoppedBy: 'refused', passes: 1, events: 0, deadLettered: 51 });
    expect(summary.firstRefusal).toEqual({ line: 1, code: 'column_count', reason: expect.stringContaining('3') });
    expect(messages('dlq')).toHaveLength(51); // every refused row still has its dead letter
  });

  it('a long one stops after 1,000 rows instead of flooding the dead-letter topic', async () => {
    const { run, messages } = setup([threeColumns(100_000)], { loop: true });
    const summary = await run();
    expect(summary).toMatchObject({ stoppedBy: 'refused', deadLettered: 1000, linesRead: 1000 });
    expect(messages('dlq')).toHaveLength(1000);
  });

  it('a file with some bad rows goes on; the threshold is MAX_REFUSED_FRACTION', async () => {
    const good = '7,2,3,4,5,11,11,2,3,0,上海\n';
    const file = good.repeat(5) + 'x\n'.repeat(5); // half refused
    expect((await setup([file]).run()).stoppedBy).toBe('end of file');
    expect((await setup([file], { maxRefusedFraction: 0.5 }).run()).stoppedBy).toBe('refused');
  });

  it('dead letters take the pace of events: 50 refused rows at 10/s take 5 s of the clock', async () => {
    const { run } = setup([threeColumns(49)]); // header + 49 rows: 50 refused
    const summary = await run();
    expect(summary.deadLettered).toBe(50);
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(4900);
  });
});
