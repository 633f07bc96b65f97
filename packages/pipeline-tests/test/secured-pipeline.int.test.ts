import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { type UserActionEvent, type WindowResult, windowResultKey } from '@streamtally/contracts';
import type { Admin, Kafka } from '@streamtally/kafka-client';
import { freePort, readTopic, startSecuredBroker, type SecuredBroker, testRedisUrl, uniqueName, waitFor } from '@streamtally/test-support';
import {
  aclEntries,
  GENDER_JOBS,
  GENDER_RECOUNT,
  LatestResults,
  provisionPipeline,
  readAclTable,
  recount,
  replayGeneratedInput,
  runService,
  securedKafka,
  securedKafkaEnv,
  type ServiceName,
  type ServiceProcess,
  startService,
} from '../src';

// A team's production Kafka, as the README tells them to connect: the broker's only client
// listener is SASL_SSL with SCRAM-SHA-512, Kafka's authorizer is on, the topics are provisioned
// by the platform team, and each service's principal holds exactly the ACLs of the README's
// table. The whole pipeline — producer, aggregator, gateway, a WebSocket client — must give
// results equal to a recount, and no secret may appear in anything a service prints.
const EVENTS = 20_000;
const SERVICE_USERS = ['producer', 'aggregator', 'gateway', 'operator'];
const JOBS = GENDER_JOBS;
const RECOUNT = GENDER_RECOUNT;
const STACK_FRAME = /^\s+at /m;

describe('the pipeline on a secured Kafka: SASL_SSL, SCRAM-SHA-512, ACLs from the README, provisioned topics', () => {
  let broker: SecuredBroker;
  let admin: Admin;
  let adminKafka: Kafka;
  let dir: string;
  const redis = new Redis(testRedisUrl());
  const running: ServiceProcess[] = [];
  const run = uniqueName('secured').slice(0, 30);
  /** the default names of the README's table → this run's */
  const names: Record<string, string> = {
    'user-actions': `${run}-actions`,
    'user-actions.dlq': `${run}-actions.dlq`,
    'text-lines': `${run}-lines`,
    'text-lines.dlq': `${run}-lines.dlq`,
    'window-results': `${run}-results`,
    'late-events': `${run}-late`,
    'aggregator.dlq': `${run}-agg.dlq`,
    'job-descriptions': `${run}-jobs`,
    'streamtally-aggregator': `${run}-aggregator`,
    'streamtally-aggregator.catch-up': `${run}-aggregator.catch-up`,
    'streamtally-gateway-': `${run}-gateway-`,
    'streamtally-tail-': 'streamtally-tail-',
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secured-pipeline-'));
    broker = await startSecuredBroker({ users: SERVICE_USERS });
    adminKafka = securedKafka(broker, 'admin');
    admin = adminKafka.admin();
    await admin.connect();
    await provisionPipeline(admin, names, SERVICE_USERS, 6);
  }, 180_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill('SIGTERM')));
  });

  afterAll(async () => {
    await admin?.disconnect();
    const keys = await redis.keys(`st:{${run}}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await broker?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const envOf = (user: string) => securedKafkaEnv(broker, user, dir);
  /** the events the first test replays, for the recount of a job added later */
  let replayed: UserActionEvent[] = [];

  function aggregatorEnv(jobs: object[]): Record<string, string> {
    return {
      ...envOf('aggregator'),
      REDIS_URL: testRedisUrl(),
      JOBS: JSON.stringify(jobs.map((j) => ({ ...j, source: names['user-actions'] }))),
      STATE_NAMESPACE: run,
      CONSUMER_GROUP: names['streamtally-aggregator']!,
      RESULTS_TOPIC: names['window-results']!,
      LATE_EVENTS_TOPIC: names['late-events']!,
      DEAD_LETTER_TOPIC: names['aggregator.dlq']!,
      JOB_DESCRIPTIONS_TOPIC: names['job-descriptions']!,
      IDLE_TIMEOUT_MS: '1000',
      EMIT_TICK_MS: '50',
    };
  }

  /** Nothing a service printed holds a password of the broker's users. */
  function expectNoSecret(output: string): void {
    for (const password of Object.values(broker.users)) expect(output).not.toContain(password);
  }

  function start(service: ServiceName, env: Record<string, string>): ServiceProcess {
    const child = startService(service, { TOPICS_CREATE: 'false', METRICS_PORT: '0', LOG_LEVEL: 'info', ...env });
    running.push(child);
    return child;
  }

  it('producer → aggregator → gateway → a WebSocket client: the results equal a recount; no secret in any output', async () => {
    const events = await replayGeneratedInput({
      brokers: [broker.saslSsl],
      topic: names['user-actions']!,
      rows: EVENTS,
      seed: 7,
      dir,
      env: { ...envOf('producer'), TOPICS_CREATE: 'false', DEAD_LETTER_TOPIC: names['user-actions.dlq']!, LOG_LEVEL: 'info' },
      reader: adminKafka,
    });
    expect(events).toHaveLength(EVENTS);
    replayed = events;
    const expected = recount(events, RECOUNT);

    const aggregator = start('aggregator', aggregatorEnv(JOBS));
    const port = await freePort();
    const gateway = start('gateway', {
      ...envOf('gateway'),
      RESULTS_TOPIC: names['window-results']!,
      JOB_DESCRIPTIONS_TOPIC: names['job-descriptions']!,
      CONSUMER_GROUP_PREFIX: names['streamtally-gateway-']!.replace(/-$/, ''),
      HOST: '127.0.0.1',
      PORT: String(port),
    });

    const latest = new LatestResults();
    const socket = await waitFor(
      () =>
        new Promise<WebSocket | undefined>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
          ws.once('open', () => resolve(ws));
          ws.once('error', () => resolve(undefined));
        }),
      { timeoutMs: 60_000, what: 'the gateway accepting WebSockets' },
    );
    try {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; windows?: WindowResult[]; result?: WindowResult; results?: WindowResult[] };
        for (const result of [...(message.windows ?? []), ...(message.result ? [message.result] : []), ...(message.results ?? [])]) {
          latest.offer(windowResultKey(result.job, result.windowStart), result);
        }
      });
      // asked again until the jobs have results (a subscription to a job without any yet is kept anyway)
      socket.send(JSON.stringify({ type: 'subscribe', jobs: JOBS.map((j) => j.name) }));
      await waitFor(() => latest.complete(expected), { timeoutMs: 120_000, what: 'every window final at the WebSocket client' }).catch((err: Error) => {
        throw new Error(
          `${err.message}\n${latest.describeGaps(expected)}\naggregator:\n${aggregator.output().slice(-3000)}\ngateway:\n${gateway.output().slice(-2000)}`,
        );
      });
    } finally {
      socket.close();
    }
    expect(latest.counts()).toEqual(expected);
    await Promise.all(running.splice(0).map((p) => p.kill('SIGTERM')));
    for (const service of [aggregator, gateway]) {
      expect(service.output()).toContain('"protocol":"SASL_SSL"');
      expectNoSecret(service.output());
    }
  }, 300_000);

  // a job added later backfills on the catch-up thread, whose own Kafka clients and consumer
  // group (`<CONSUMER_GROUP>.catch-up`) must pass the same SASL_SSL login and the README's ACLs
  it('a job added to the pipeline counts the whole topic: its catch-up thread reads as the aggregator principal', async () => {
    expect(replayed).toHaveLength(EVENTS); // the first test's replay, counted by JOBS
    const added = { name: 'actions-total', key: { field: 'action' }, window: { type: 'running' }, emitEveryMs: 200 };
    const expected = recount(replayed, [{ name: added.name, field: 'action' }]);
    const latest = new LatestResults();
    const results = adminKafka.consumer({ groupId: uniqueName('secured-results'), maxWaitTimeInMs: 200 });
    await results.connect();
    try {
      await results.subscribe({ topic: names['window-results']!, fromBeginning: true });
      await results.run({
        eachMessage: async ({ message }) => {
          if (!message.value) return; // a retired window's tombstone
          const result = JSON.parse(message.value.toString('utf8')) as WindowResult;
          latest.offer(windowResultKey(result.job, result.windowStart), result);
        },
      });
      const aggregator = start('aggregator', aggregatorEnv([...JOBS, added]));
      await waitFor(() => latest.complete(expected), { timeoutMs: 120_000, what: "the added job at the whole topic's total" }).catch((err: Error) => {
        throw new Error(`${err.message}\n${latest.describeGaps(expected)}\naggregator:\n${aggregator.output().slice(-3000)}`);
      });
      expect(new Map([...latest.counts()].filter(([key]) => expected.has(key)))).toEqual(expected);
      await Promise.all(running.splice(0).map((p) => p.kill('SIGTERM')));
      expect(aggregator.output()).toContain('catch-up reader started');
      expectNoSecret(aggregator.output());
    } finally {
      await results.disconnect();
    }
  }, 180_000);

  it('the operator commands `topics` and `tail` work as the operator principal', () => {
    const topics = runService('producer', { ...envOf('operator'), INPUT_TOPIC: names['user-actions']!, LOG_LEVEL: 'warn' }, ['topics']);
    expect(topics.status).toBe(0);
    expect(topics.output).toContain(`${names['user-actions']}  partitions=6`);
    expectNoSecret(topics.output);
    const tail = runService('producer', { ...envOf('operator'), LIMIT: '3' }, ['tail', names['user-actions']!, '--from-beginning']);
    expect(tail.status).toBe(0);
    const lines = tail.output.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(JSON.parse(line)).toEqual(expect.objectContaining({ topic: names['user-actions'] }));
  });

  it('`tail` as a principal without the tail groups: one line with the prefixed grant, not a wait for ever', () => {
    const tail = runService('producer', { ...envOf('aggregator'), LIMIT: '1' }, ['tail', names['user-actions']!, '--from-beginning']);
    expect(tail.status).not.toBe(0);
    expect(tail.output).toContain(
      'streamtally-tail-<random> (the tail command): this principal may not read the consumer groups named streamtally-tail-…; grant it with: kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:<principal> --operation Read --operation Delete --resource-pattern-type prefixed --group streamtally-tail-',
    );
    expectNoSecret(tail.output);
  });

  it('`lines` publishes text lines as the producer principal', async () => {
    const published = runService(
      'producer',
      {
        ...envOf('producer'),
        TOPICS_CREATE: 'false',
        TEXT_TOPIC: names['text-lines']!,
        TEXT_DEAD_LETTER_TOPIC: names['text-lines.dlq']!,
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      ['lines', '--from', 'stdin'],
      'to be or not to be\nthat is the question\n',
    );
    expect(published.status).toBe(0);
    const records = await readTopic(adminKafka, names['text-lines']!, 2);
    expect(records.map((r) => (JSON.parse(r.value!) as { text: string }).text)).toEqual(['to be or not to be', 'that is the question']);
  });

  it('with TOPICS_CREATE=true and the README’s create rows, the producer makes its own topics', async () => {
    const fresh = { 'user-actions': `${run}-created`, 'user-actions.dlq': `${run}-created.dlq` };
    await admin.createAcls({ acl: aclEntries(readAclTable(), { principals: { producer: 'producer' }, names: fresh, create: true }) });
    const file = path.join(dir, 'few.csv');
    expect(runService('producer', {}, ['generate', '--rows', '50', '--out', file, '--seed', '3']).status).toBe(0);
    const replay = runService(
      'producer',
      {
        ...envOf('producer'),
        TOPICS_CREATE: 'true',
        INPUT_FILE: file,
        INPUT_TOPIC: fresh['user-actions'],
        DEAD_LETTER_TOPIC: fresh['user-actions.dlq'],
        PACE: 'max',
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      [],
    );
    expect(replay.status).toBe(0);
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(Object.values(fresh)));
  });

  describe('a service set up wrong stops with one line naming the setting, and no secret', () => {
    function attempt(service: ServiceName, env: Record<string, string>) {
      const started = Date.now();
      const result = runService(
        service,
        { TOPICS_CREATE: 'false', METRICS_PORT: '0', BROKER_TIMEOUT_MS: '20000', LOG_LEVEL: 'warn', REDIS_URL: testRedisUrl(), ...env },
        [],
      );
      expect(result.status).not.toBe(0);
      expect(result.output).not.toMatch(STACK_FRAME);
      expectNoSecret(result.output);
      // a mistake is found at once, not after BROKER_TIMEOUT_MS of retries
      expect(Date.now() - started).toBeLessThan(15_000);
      return result.output;
    }

    it('a wrong password (the producer)', () => {
      const wrong = path.join(dir, 'wrong-password');
      fs.writeFileSync(wrong, 'not-the-password\n');
      const output = attempt('producer', {
        ...envOf('producer'),
        KAFKA_SASL_PASSWORD_FILE: wrong,
        INPUT_TOPIC: names['user-actions']!,
        DEAD_LETTER_TOPIC: names['user-actions.dlq']!,
      });
      expect(output).toContain(
        'streamtally-producer: SASL authentication failed for user "producer" (KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD): the broker refused the SCRAM-SHA-512 credentials',
      );
      expect(output).not.toContain('not-the-password');
    });

    it('a mechanism the broker does not enable (the aggregator)', () => {
      const output = attempt('aggregator', { ...envOf('aggregator'), KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', STATE_NAMESPACE: uniqueName('m').slice(0, 40) });
      expect(output).toContain(
        `streamtally-aggregator: KAFKA_SASL_MECHANISM: the broker does not enable SCRAM-SHA-256 on the listener at ${broker.saslSsl}; it offers`,
      );
    });

    it('plaintext to the TLS listener (the gateway)', () => {
      const output = attempt('gateway', { KAFKA_BROKERS: broker.saslSsl, RESULTS_TOPIC: names['window-results']!, PORT: '0' });
      expect(output).toContain(`streamtally-gateway: the listener at ${broker.saslSsl} speaks TLS, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT: use SSL or SASL_SSL`);
    });

    it('an untrusted broker certificate (the producer)', () => {
      const output = attempt('producer', { ...envOf('producer'), KAFKA_SSL_CA_FILE: broker.pki.otherCa });
      expect(output).toContain(
        `streamtally-producer: TLS to ${broker.saslSsl} failed: the server's certificate is not signed by a CA in KAFKA_SSL_CA_FILE (${broker.pki.otherCa})`,
      );
    });

    // kafkajs's consumer meets the broker's GROUP_AUTHORIZATION_FAILED as "Failed to find group
    // coordinator", crashing again and again: seen with the catch-up group missing from the ACLs
    it('consumer groups the principal may not read (the aggregator): both named, with the grant', () => {
      const group = `${run}-ungranted`;
      const output = attempt('aggregator', { ...aggregatorEnv(JOBS), STATE_NAMESPACE: uniqueName('g').slice(0, 40), CONSUMER_GROUP: group });
      expect(output).toContain('the consumer groups are not as this service needs them');
      for (const [name, setting] of [
        [group, 'CONSUMER_GROUP'],
        [`${group}.catch-up`, 'the catch-up reader\'s group, CONSUMER_GROUP + ".catch-up"'],
      ]) {
        expect(output).toContain(
          `${name} (${setting}): this principal may not read the consumer group; grant it with: kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:<principal> --operation Read --group ${name}`,
        );
      }
    });

    it('a consumer group prefix the principal may not read (the gateway): named, with the prefixed grant', () => {
      const prefix = `${run}-ungranted-gw`;
      const output = attempt('gateway', {
        ...envOf('gateway'),
        RESULTS_TOPIC: names['window-results']!,
        JOB_DESCRIPTIONS_TOPIC: names['job-descriptions']!,
        CONSUMER_GROUP_PREFIX: prefix,
        PORT: '0',
      });
      expect(output).toContain(
        `${prefix}-<random> (CONSUMER_GROUP_PREFIX): this principal may not read the consumer groups named ${prefix}-…; grant it with: kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:<principal> --operation Read --operation Delete --resource-pattern-type prefixed --group ${prefix}-`,
      );
    });

    it('TOPICS_CREATE=false with topics missing or wrong: every one named, with the command that makes it right', async () => {
      const wrongResults = `${run}-not-compacted`;
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: wrongResults, numPartitions: 1 }] });
      await admin.createAcls({
        acl: aclEntries(readAclTable(), {
          principals: { aggregator: 'aggregator' },
          names: { ...names, 'window-results': wrongResults, 'late-events': `${run}-missing-late` },
          create: false,
        }),
      });
      const output = attempt('aggregator', {
        ...envOf('aggregator'),
        JOBS: JSON.stringify(JOBS.map((j) => ({ ...j, source: names['user-actions'] }))),
        STATE_NAMESPACE: uniqueName('t').slice(0, 40),
        CONSUMER_GROUP: names['streamtally-aggregator']!,
        RESULTS_TOPIC: wrongResults,
        LATE_EVENTS_TOPIC: `${run}-missing-late`,
        DEAD_LETTER_TOPIC: names['aggregator.dlq']!,
        JOB_DESCRIPTIONS_TOPIC: names['job-descriptions']!,
      });
      expect(output).toContain('the topics are not as this service needs them (TOPICS_CREATE=false: it checks, it does not create)');
      expect(output).toContain(
        `${run}-missing-late (LATE_EVENTS_TOPIC): does not exist, or this principal may not Describe it; create it with: kafka-topics.sh --bootstrap-server <broker> --create --topic ${run}-missing-late --partitions 6 --replication-factor 1 --config min.insync.replicas=1`,
      );
      expect(output).toContain(
        `${wrongResults} (RESULTS_TOPIC): cleanup.policy is delete, it must be compact (a reader keeps each window's latest result); fix it with: kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${wrongResults} --add-config cleanup.policy=compact`,
      );
    });
  });
});
