import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
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
    // the text-lines source is a producer too (the same image and metrics)
    for (const [job, names, port] of [
      ['producer', ['producer', 'text-lines'], 9464],
      ['aggregator', ['aggregator'], 9465],
      ['gateway', ['gateway'], 9466],
    ] as const) {
      expect(jobs[job].dns_sd_configs).toEqual([expect.objectContaining({ names, type: 'A', port })]);
    }
  });
});

describe('alerts: runbooks and Alertmanager', () => {
  type Rule = { alert: string; annotations: Record<string, string> };
  const rules: Rule[] = parse(fs.readFileSync(path.join(REPO_ROOT, 'compose/prometheus/alerts.yml'), 'utf8')).groups.flatMap((g: { rules: Rule[] }) => g.rules);
  const runbooks = fs.readFileSync(path.join(REPO_ROOT, 'docs/runbooks.md'), 'utf8');
  const headings = new Set([...runbooks.matchAll(/^## (\S+)$/gm)].map((m) => m[1]!.toLowerCase()));

  it.each(rules.map((r) => r.alert))('%s links to its section of docs/runbooks.md', (name) => {
    const rule = rules.find((r) => r.alert === name)!;
    expect(rule.annotations.runbook_url).toBe(`docs/runbooks.md#${name.toLowerCase()}`);
    expect(headings.has(name.toLowerCase())).toBe(true);
  });

  it('every runbook section is an alert that exists', () => {
    expect([...headings].sort()).toEqual(rules.map((r) => r.alert.toLowerCase()).sort());
  });

  // what the container runs: start.sh writes the configuration with the webhook URL, then starts Alertmanager
  const started = (url: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertmanager-'));
    const out = path.join(dir, 'alertmanager.yml');
    const args = execFileSync('sh', [path.join(REPO_ROOT, 'compose/alertmanager/start.sh'), '--storage.path=/x'], {
      env: {
        PATH: process.env.PATH,
        ALERT_WEBHOOK_URL: url,
        AM_CONFIG_IN: path.join(REPO_ROOT, 'compose/alertmanager/alertmanager.yml'),
        AM_CONFIG_OUT: out,
        AM_BINARY: 'echo',
      },
      encoding: 'utf8',
    });
    return { out, args: args.trim(), config: fs.readFileSync(out, 'utf8') };
  };

  it('start.sh puts ALERT_WEBHOOK_URL into the configuration as it is, and amtool check-config accepts the result', () => {
    const url = 'https://hooks.example.com/alerts?team=data&route=a|b';
    const { out, args, config } = started(url);
    expect(args).toBe(`--config.file=${out} --storage.path=/x`);
    expect(parse(config).receivers[0].webhook_configs[0]).toEqual({ url, send_resolved: true });
    expect(execFileSync('amtool', ['check-config', out], { encoding: 'utf8' })).toMatch(/SUCCESS[\s\S]*2 inhibit rules/);
  });

  it('start.sh refuses to start without ALERT_WEBHOOK_URL, naming it', () => {
    let message = '';
    try {
      execFileSync('sh', [path.join(REPO_ROOT, 'compose/alertmanager/start.sh')], {
        env: { PATH: process.env.PATH, AM_BINARY: 'true' },
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (err) {
      message = String((err as { stderr?: string }).stderr);
    }
    expect(message).toContain('ALERT_WEBHOOK_URL');
  });

  it('amtool really rejects a broken configuration', () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'alertmanager-')), 'broken.yml');
    fs.writeFileSync(broken, 'route:\n  receiver: nowhere\nreceivers: []\n');
    expect(() => execFileSync('amtool', ['check-config', broken], { stdio: 'pipe' })).toThrow();
  });

  it('routes by alert, job and aggregation, and a service that is down holds back what follows from it', () => {
    const config = parse(started('http://receiver:9095/').config);
    expect(config.route.group_by).toEqual(['alertname', 'job', 'aggregation']);
    const downstream = config.inhibit_rules[0];
    expect(downstream.source_matchers[0]).toContain('StreamtallyServiceDown');
    for (const alert of ['StreamtallyResultsStalled', 'StreamtallyConsumerLagGrowing', 'StreamtallyEventToScreenSlow'])
      expect(downstream.target_matchers[0]).toContain(alert);
  });

  it('Prometheus sends its alerts to the Alertmanager of the compose stack', () => {
    const config = parse(fs.readFileSync(path.join(REPO_ROOT, 'compose/prometheus/prometheus.yml'), 'utf8'));
    expect(config.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
  });
});

describe('Grafana as code', () => {
  const provisioning = parse(fs.readFileSync(path.join(REPO_ROOT, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8'));
  const uid = provisioning.datasources[0].uid;

  it('Grafana provisions a Prometheus data source the dashboards can pick (they name none: a datasource variable)', () => {
    expect(provisioning.datasources[0]).toMatchObject({ type: 'prometheus', isDefault: true });
    expect(uid).toBeTruthy();
  });

  it('the dashboard provider points where compose mounts the dashboards', () => {
    const providers = parse(fs.readFileSync(path.join(REPO_ROOT, 'grafana/provisioning/dashboards/streamtally.yaml'), 'utf8'));
    expect(providers.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
    expect(fs.readFileSync(path.join(REPO_ROOT, 'compose/observability.yaml'), 'utf8')).toContain('../grafana/dashboards:/var/lib/grafana/dashboards:ro');
  });
});
