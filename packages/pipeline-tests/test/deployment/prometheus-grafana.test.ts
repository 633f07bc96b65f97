import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '@streamtally/test-support';

const promtool = (...args: string[]) => execFileSync('promtool', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: 'pipe' });

describe('Prometheus configuration', () => {
  it('promtool check config passes', () => {
    expect(promtool('check', 'config', 'compose/prometheus/prometheus.yml')).toContain('is valid prometheus config file syntax');
  });

  it('the alerts fire on the series that should fire them (promtool test rules)', () => {
    expect(promtool('test', 'rules', 'packages/pipeline-tests/test/deployment/fixtures/alerts.promtool-test.yml')).toContain('SUCCESS');
  });

  it('promtool check rules passes, with the ten alerts', () => {
    expect(promtool('check', 'rules', 'compose/prometheus/alerts.yml')).toContain('SUCCESS: 10 rules found');
  });

  it('promtool really rejects a broken rule', () => {
    const broken = path.join(fs.mkdtempSync('/tmp/rules-'), 'broken.yml');
    fs.writeFileSync(broken, 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum(rate(x[5m]) > \n');
    expect(() => promtool('check', 'rules', broken)).toThrow();
  });

  it('discovers every scaled instance of each service by DNS', () => {
    const config = parse(fs.readFileSync(path.join(REPO_ROOT, 'compose/prometheus/prometheus.yml'), 'utf8'));
    const jobs = Object.fromEntries(config.scrape_configs.map((j: { job_name: string }) => [j.job_name, j]));
    for (const [job, port] of [
      ['producer', 9464],
      ['aggregator', 9465],
      ['gateway', 9466],
    ] as const) {
      expect(jobs[job].dns_sd_configs).toEqual([expect.objectContaining({ names: [job], type: 'A', port })]);
    }
  });
});

describe('Grafana as code', () => {
  const provisioning = parse(fs.readFileSync(path.join(REPO_ROOT, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8'));
  const uid = provisioning.datasources[0].uid;

  it('the committed dashboards are what grafana/dashboards.mjs generates', () => {
    const out = execFileSync(process.execPath, ['grafana/dashboards.mjs', '--check'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(out).toBe('dashboards up to date\n');
  });

  it.each(['operations.json', 'business.json'])('every panel of %s uses the provisioned datasource', (name) => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'grafana/dashboards', name), 'utf8'));
    expect(dashboard.panels.length).toBeGreaterThan(3);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe(uid);
      for (const target of panel.targets) expect(target.datasource.uid).toBe(uid);
    }
  });

  it('the dashboard provider points where compose mounts the dashboards', () => {
    const providers = parse(fs.readFileSync(path.join(REPO_ROOT, 'grafana/provisioning/dashboards/streamtally.yaml'), 'utf8'));
    expect(providers.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
    expect(fs.readFileSync(path.join(REPO_ROOT, 'compose/observability.yaml'), 'utf8')).toContain('../grafana/dashboards:/var/lib/grafana/dashboards:ro');
  });
});
