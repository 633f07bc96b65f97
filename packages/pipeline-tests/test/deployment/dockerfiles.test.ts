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

  it('starts a built entry point that the package ships', () => {
    const cmd = /^CMD \["node", "([^"]+)"\]$/m.exec(dockerfile);
    expect(cmd?.[1]).toBe('dist/main.js');
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'services', service, 'package.json'), 'utf8'));
    expect(pkg.files).toContain('dist');
    expect(fs.existsSync(path.join(REPO_ROOT, 'services', service, 'src/main.ts'))).toBe(true);
    expect(fs.existsSync(path.join(REPO_ROOT, 'services', service, cmd![1]!))).toBe(true); // built by tsc -b
  });
});
