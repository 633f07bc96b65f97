import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser } from 'playwright-core';
import { description, GatewayHarness, result, startGateway } from './support/gateway-harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = path.resolve(__dirname, '../../../test-output/gateway-dashboard.png');
const PANELS_SCREENSHOT = path.resolve(__dirname, '../../../test-output/gateway-job-panels.png');

// A real browser loads the page from a running gateway fed with results through Kafka.
describe('the live dashboard in Chromium', () => {
  let gateway: GatewayHarness;
  let browser: Browser;
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: ./scripts/test installs Debian's chromium (or set CHROMIUM_PATH)`);
    gateway = await startGateway();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('shows shoppers per gender per second, labelled, and moves when new results arrive', async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    const seconds = Array.from({ length: 20 }, (_, i) => now - (20 - i) * 1000);
    await gateway.publish([
      ...seconds.map((start, i) => result('gender-per-second', start, { '0': 10 + i, '1': 5 + (i % 4), '2': 2 }, true)),
      ...seconds.map((start, i) => result('actions-per-second', start, { '0': 14 + i, '2': 2, '3': 1 }, true)),
      result('provinces-60s', now - 60_000, { 广东: 40, 上海: 25, 北京: 31 }),
      result('word-count-10s', now - 10_000, { to: 4, be: 4, or: 2 }),
      { ...result('gender-running-total', 0, { '0': 1234, '1': 567, '2': 89 }), windowEnd: null },
    ]);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    // the page works under its strict Content-Security-Policy: nothing refused
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) errors.push(message.text());
    });
    await page.goto(gateway.url.replace('ws://', 'http://').replace(/\/ws$/, '/'));
    await page.waitForSelector('#status.connected', { timeout: 15_000 });

    // the newest second: 29 female, 8 male, 2 unknown
    await page.waitForFunction(() => document.getElementById('latest-female')?.textContent === '29', null, { timeout: 15_000 });
    expect(await page.textContent('#status')).toBe('live');
    expect(await page.textContent('#latest-male')).toBe('8');
    expect(await page.textContent('#latest-unknown')).toBe('2');
    expect(await page.textContent('#gender-chart')).toEqual(expect.stringContaining('female'));
    expect(await page.textContent('#total-female')).toBe('1,234');
    expect(await page.textContent('#provinces')).toContain('广东');
    const points = await page.evaluate(
      () => Object.keys((window as unknown as { streamtally: { windows: Record<string, object> } }).streamtally.windows['gender-per-second'] ?? {}).length,
    );
    expect(points).toBe(20);

    // a new second arrives: the chart moves and the numbers change
    await gateway.publish([result('gender-per-second', now, { '0': 42, '1': 17, '2': 3 })]);
    await page.waitForFunction(() => document.getElementById('latest-female')?.textContent === '42', null, { timeout: 15_000 });
    expect(await page.textContent('#latest-when')).toContain('counting');
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
  });

  // 20,000 windows (over five hours of seconds, 200 times what the page keeps): a whole day
  // (86,400) passes alone in ~15 s but is too slow for this suite's shared two cores
  it('20,000 windows keep the page memory bounded; when data stops it says so, per panel; old words are not shown', async () => {
    const fresh = await startGateway(); // a results topic of its own: no windows of the test before
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(fresh.url.replace('ws://', 'http://').replace(/\/ws$/, '/'));
      await page.waitForSelector('#status.connected', { timeout: 15_000 });
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const heap = async () => {
        await cdp.send('HeapProfiler.collectGarbage');
        const { metrics } = await cdp.send('Performance.getMetrics');
        return metrics.find((m) => m.name === 'JSHeapUsedSize')!.value / 1024 / 1024;
      };
      const before = await heap();

      // hours of seconds, as live updates, then a word count from 25 minutes earlier
      const end = Math.floor(Date.now() / 1000) * 1000;
      const hours = Array.from({ length: 20_000 }, (_, i) => result('gender-per-second', end - (20_000 - i) * 1000, { '0': i % 50, '1': 3, '2': 1 }, true));
      await fresh.publish(hours, 2000);
      await fresh.publish([result('word-count-10s', end - 25 * 60_000, { stale: 9, words: 9 }, true)]);
      await page.waitForFunction(
        (last) => {
          const kept =
            (window as unknown as { streamtally: { windows: Record<string, Record<string, unknown>> } }).streamtally.windows['gender-per-second'] ?? {};
          return Object.keys(kept).includes(String(last));
        },
        end - 1000,
        { timeout: 120_000 },
      );
      const kept = await page.evaluate(
        () => Object.keys((window as unknown as { streamtally: { windows: Record<string, object> } }).streamtally.windows['gender-per-second']!).length,
      );
      expect(kept).toBeLessThanOrEqual(90);
      expect((await heap()) - before).toBeLessThan(20);
      expect(await page.textContent('#words')).toContain('no words in the last 10 seconds');
      expect(await page.textContent('#words')).not.toContain('stale');

      // nothing more arrives: after 5 s the header and the chart say so
      await page.waitForSelector('#status.stale', { timeout: 15_000 });
      expect(await page.textContent('#status')).toMatch(/^connected, no new data for \d+ s$/);
      expect(await page.textContent('#age-gender')).toMatch(/^no update for \d+ s$/);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await fresh.close();
    }
  }, 180_000);

  it('builds a panel for every described job: a chart and a ranked list for windows, a number for a running total; hides the defaults that do not run', async () => {
    const own = await startGateway();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) errors.push(message.text());
      });
      await page.goto(own.url.replace('ws://', 'http://').replace(/\/ws$/, '/'));
      await page.waitForSelector('#status.connected', { timeout: 15_000 });
      const HOUR = 3_600_000;
      await own.describe([
        description('gender-per-second', ['gender'], 1000),
        description('flights-per-origin-hourly', ['origin'], HOUR, { title: 'Flights per origin, hourly' }),
        description('flights-total', ['origin'], 'running'),
        description('visits', ['user'], 'running', { window: { type: 'session', gapMs: 30 * 60_000 } }),
        description('delays-per-origin-hourly', ['origin'], HOUR, {
          holds: 'aggregates',
          aggregates: [
            { name: 'flights', op: 'count', decimals: 0 },
            { name: 'miles', op: 'sum', field: 'distance', decimals: 0 },
            { name: 'delay', op: 'avg', field: 'delay', decimals: 0 },
            { name: 'worst', op: 'max', field: 'delay', decimals: 0 },
          ],
          orderBy: 'miles',
        }),
      ]);
      // ranked by miles, not by the count: SFO flew fewer flights but further
      await own.publish([
        {
          ...result('delays-per-origin-hourly', 978_307_200_000, { ORD: 9, SFO: 2 }, true),
          windowEnd: 978_307_200_000 + HOUR,
          values: { ORD: { flights: 9, miles: 4200, delay: 12.3333, worst: 95 }, SFO: { flights: 2, miles: 5000, delay: -4.5, worst: null } },
        },
      ]);
      const delays = '[data-job="delays-per-origin-hourly"]';
      await page.waitForFunction((sel) => document.querySelector(sel + ' .bars')?.textContent?.includes('SFO'), delays, { timeout: 15_000 });
      expect(await page.textContent(`${delays} .bars li:first-child .key`)).toBe('SFO');
      expect(await page.textContent(`${delays} .bars li:first-child .n`)).toBe('5,000');
      expect(await page.textContent(`${delays} .bars li:first-child .detail`)).toBe('flights count 2 · miles sum 5,000 · delay mean -4.5 · worst max –');
      expect(await page.textContent(`${delays} .bars li:nth-child(2) .detail`)).toBe('flights count 9 · miles sum 4,200 · delay mean 12.3333 · worst max 95');
      const hours = Array.from({ length: 6 }, (_, i) => 978_307_200_000 + i * HOUR);
      await own.publish([
        ...hours.map((start, i) => ({
          ...result('flights-per-origin-hourly', start, { ORD: 10 + i, ATL: 8, '<b>LAX</b>': 3 }, true),
          windowEnd: start + HOUR,
        })),
        // one key too long to list, folded by the aggregator: counted, and said why
        { ...result('flights-total', 0, { ORD: 75, ATL: 48, SFO: 12 }), windowEnd: null, other: { keys: 1, count: 2, reason: ['maxBytes'] } },
      ]);
      const hourly = '[data-job="flights-per-origin-hourly"]';
      // the six hours arrive one by one: the page shows the newest once it has it
      await page.waitForFunction((sel) => document.querySelector(sel + ' .bars li:first-child')?.textContent === 'ORD15', hourly, { timeout: 15_000 });
      expect(await page.textContent(`${hourly} h2`)).toContain('Flights per origin, hourly');
      expect(await page.textContent(`${hourly} .hint`)).toBe('source flights · every 1 h · by origin');
      // the newest hour, ranked; a key is text, never markup
      expect(await page.textContent(`${hourly} .bars li:first-child`)).toBe('ORD15');
      expect(await page.locator(`${hourly} .bars b`).count()).toBe(0);
      expect(await page.textContent(`${hourly} .chart`)).toEqual(expect.stringContaining('ATL'));
      await page.waitForFunction(() => document.querySelector('[data-job="flights-total"] .big-number')?.textContent === '137', null, { timeout: 15_000 });
      expect(await page.textContent('[data-job="flights-total"] .bars li:last-child')).toBe('(1 more, some too long to list)2');
      // sessions: the latest, largest first, each with its key, start and length; one merged into another goes
      const visits = '[data-job="visits"]';
      const T = 978_307_200_000;
      const sessionOf = (start: number, key: string, n: number, lengthMs: number, final = false) => ({
        ...result('visits', start, { [key]: n }, final),
        windowEnd: start + lengthMs + 30 * 60_000,
        sessionKey: key,
      });
      await own.publish([sessionOf(T, 'ann', 14, 10 * 60_000, true), sessionOf(T, 'bob', 3, 100_000), sessionOf(T + 2 * HOUR, 'bob', 5, 0)]);
      await page.waitForFunction((sel) => document.querySelectorAll(sel + ' .bars li').length === 3, visits, { timeout: 15_000 });
      expect(await page.textContent(`${visits} .hint`)).toBe('source flights · sessions (closed after 30 min without an event) · by user');
      expect(await page.textContent(`${visits} .bars li:first-child .key`)).toMatch(/^ann · .+, 10 min$/);
      expect(await page.textContent(`${visits} .bars li:first-child .n`)).toBe('14');
      expect(await page.textContent(`${visits} .bars li:nth-child(2) .key`)).toMatch(/^bob · .+, one event \(open\)$/);
      await own.publish([{ ...sessionOf(T + 2 * HOUR, 'bob', 0, 0, true), counts: {}, mergedInto: T, version: 99 }]);
      await page.waitForFunction((sel) => document.querySelectorAll(sel + ' .bars li').length === 2, visits, { timeout: 15_000 });
      expect(await page.textContent(`${visits} .bars li:nth-child(2) .key`)).toMatch(/^bob · .+, 100 s \(open\)$/);
      fs.mkdirSync(path.dirname(PANELS_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: PANELS_SCREENSHOT, fullPage: true });
      // the default jobs that run keep their panels; the others are hidden
      expect(await page.isVisible('#panel-gender')).toBe(true);
      expect(await page.isHidden('#panel-provinces')).toBe(true);
      expect(await page.isHidden('#panel-totals')).toBe(true);
      // a job catching up says how far it has to go, and keeps its panel while only its progress moves
      const backfilling = (behind: number, generation = 1) =>
        description('flights-total', ['origin'], 'running', { generation, progress: { status: 'backfilling', behind, etaSeconds: 12 } });
      await own.describe([backfilling(150_000)]);
      const total = '[data-job="flights-total"]';
      await page.waitForFunction((sel) => document.querySelector(sel + ' .progress')?.textContent?.includes('150,000'), total, { timeout: 15_000 });
      expect(await page.textContent(`${total} .progress`)).toBe('backfilling: 150,000 events to go, about 12 s');
      await own.describe([backfilling(40_000)]);
      await page.waitForFunction((sel) => document.querySelector(sel + ' .progress')?.textContent?.includes('40,000'), total, { timeout: 15_000 });
      expect(await page.textContent(`${total} .big-number`)).toBe('137');
      // its definition changed: generation 2 replaces what generation 1 showed, whatever the versions
      await own.describe([backfilling(19_999, 2)]);
      await own.publish([{ ...result('flights-total', 0, { ORD: 5 }), windowEnd: null, version: 2, generation: 2 }]);
      await page.waitForFunction((sel) => document.querySelector(sel + ' .big-number')?.textContent === '5', total, { timeout: 15_000 });
      await own.publish([{ ...result('flights-total', 0, { ORD: 500 }), windowEnd: null, version: 90 }]); // generation 1: history
      await own.publish([{ ...result('flights-total', 0, { ORD: 7 }), windowEnd: null, version: 4, generation: 2 }]);
      await page.waitForFunction((sel) => document.querySelector(sel + ' .big-number')?.textContent === '7', total, { timeout: 15_000 });
      // a job taken out of the jobs file leaves the page; without the per-second chart, "live" follows the other panels
      await own.describe([description('flights-total', ['origin'], 'running')]);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live', null, { timeout: 15_000 });
      await page.waitForFunction((sel) => document.querySelector(sel) === null, hourly, { timeout: 15_000 });
      expect(await page.locator('.job-panel').count()).toBe(1);
      expect(await page.isHidden(`${total} .progress`)).toBe(true);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await own.close();
    }
  });

  it('says that a token is needed, instead of retrying forever, when AUTH_TOKEN is set; the token leaves the address at once', async () => {
    const token = 'a-long-enough-token-'.repeat(2);
    const guarded = await startGateway({ AUTH_TOKEN: token });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const base = guarded.url.replace('ws://', 'http://').replace(/\/ws$/, '/');
      await page.goto(base);
      await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('needs a token'), null, { timeout: 15_000 });
      expect(await page.textContent('#status')).toBe('this dashboard needs a token: open it as /?token=…');
      await page.goto(`${base}?token=wrong-token-here`);
      await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('refused'), null, { timeout: 15_000 });
      await page.goto(`${base}?token=${token}`);
      await page.waitForSelector('#status.connected', { timeout: 15_000 });
      // traded for a cookie no script can read, and gone from the address (history, bookmarks)
      expect(page.url()).toBe(base);
      const [session] = (await context.cookies()).filter((c) => c.name === 'streamtally_session');
      expect(session).toEqual(expect.objectContaining({ httpOnly: true, sameSite: 'Strict' }));
      expect(await page.evaluate(() => document.cookie)).toBe('');
      // the cookie alone opens the page again
      await page.goto(base);
      await page.waitForSelector('#status.connected', { timeout: 15_000 });
      await context.close();
    } finally {
      await guarded.close();
    }
  });
});
