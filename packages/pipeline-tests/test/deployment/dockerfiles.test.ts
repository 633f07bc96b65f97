import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@streamtally/test-support';

const SERVICES = ['producer', 'aggregator', 'gateway'];

describe.each(SERVICES)('the %s Dockerfile', (service) => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'services', service, 'Dockerfile'), 'utf8');
  const lines = dockerfile.split('\n').filter((l) => !l.trim().startsWith('#'));

  it('copies only paths that exist in the build context (the repository root)', () => {
    const copies = lines.filter((l) => /^COPY\s/.test(l) && !l.includes('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const line of copies) {
      const args = line.replace(/^COPY\s+/, '').split(/\s+/).filter((a) => !a.startsWith('--'));
      for (const source of args.slice(0, -1)) {
        expect({ source, exists: fs.existsSync(path.join(REPO_ROOT, source)) }).toEqual({ source, exists: true });
      }
    }
  });

  it('is multi-stage, deploys only this package, and runs as a non-root user with a healthcheck', () => {
    expect(lines.filter((l) => /^FROM\s/.test(l))).toHaveLength(2);
    expect(dockerfile).toContain(`pnpm --filter @streamtally/${service} deploy --prod /out`);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
  });

  /** The node command line of the image: ["node", ...flags, entry point]. */
  const command = (): string[] => {
    const cmd = lines.filter((l) => /^CMD \[/.test(l));
    expect(cmd).toHaveLength(1);
    const argv = JSON.parse(cmd[0]!.replace(/^CMD /, '')) as string[];
    expect(argv[0]).toBe('node');
    return argv;
  };

  it('starts a built entry point that the package ships', () => {
    const entry = command().at(-1)!;
    expect(entry).toBe('dist/main.js');
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'services', service, 'package.json'), 'utf8'));
    expect(pkg.files).toContain('dist');
    expect(fs.existsSync(path.join(REPO_ROOT, 'services', service, 'src/main.ts'))).toBe(true);
    expect(fs.existsSync(path.join(REPO_ROOT, 'services', service, entry))).toBe(true); // built by tsc -b
  });

  it('gives node the same flags as run-local and the benchmark do, so what is measured is what ships', () => {
    const flags = command().slice(1, -1);
    const scripts = ['scripts/run-local', `scripts/bench/${service}.sh`];
    for (const script of scripts) {
      const text = fs.readFileSync(path.join(REPO_ROOT, script), 'utf8').replace(/\\\n\s*/g, ' '); // join continued lines
      const starts = [...text.matchAll(new RegExp(`node((?:\\s+--[\\w-]+(?:=\\S+)?)*)\\s+"?(?:\\$ROOT/)?services/${service}/dist/main\\.js(?!"? generate)`, 'g'))];
      expect({ script, starts: starts.length > 0 }).toEqual({ script, starts: true });
      for (const [, used] of starts) {
        const usedFlags = used!.trim().split(/\s+/).filter(Boolean);
        expect({ script, missing: flags.filter((f) => !usedFlags.includes(f)) }).toEqual({ script, missing: [] });
      }
    }
  });
});
