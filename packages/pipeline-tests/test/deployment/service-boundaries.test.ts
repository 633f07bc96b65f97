import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@streamtally/test-support';

const SERVICES = ['producer', 'aggregator', 'gateway'];

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : /\.(ts|js|cjs|mjs)$/.test(entry.name) ? [full] : [];
  });
}

// Services meet only on Kafka topics: no file of one service may import another's files.
describe('service boundaries', () => {
  it.each(SERVICES)('nothing in services/%s imports another service', (service) => {
    const root = path.join(REPO_ROOT, 'services', service);
    const offending: string[] = [];
    for (const file of [...sourceFiles(path.join(root, 'src')), ...sourceFiles(path.join(root, 'test'))]) {
      const text = fs.readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:from\s+|require\(|import\()\s*['"]([^'"]+)['"]/g)) {
        const specifier = match[1]!;
        const target = specifier.startsWith('.') ? path.resolve(path.dirname(file), specifier) : specifier;
        const other = SERVICES.filter((s) => s !== service).find(
          (s) => target.startsWith(path.join(REPO_ROOT, 'services', s)) || specifier === `@streamtally/${s}` || specifier.startsWith(`@streamtally/${s}/`),
        );
        if (other) offending.push(`${path.relative(REPO_ROOT, file)} imports ${specifier} (${other})`);
      }
    }
    expect(offending).toEqual([]);
  });
});
