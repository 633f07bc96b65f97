#!/usr/bin/env node
// Writes a Prometheus config for services running as local processes: compose's scrape
// config with each DNS-discovered job turned into static localhost targets, and the same
// alert rules. Usage: prometheus-local.mjs OUT_DIR job=host:port[,host:port] ...
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function localPrometheusConfig(targets, scrapeInterval = '5s') {
  const config = parse(fs.readFileSync(path.join(root, 'compose/prometheus/prometheus.yml'), 'utf8'));
  config.global.scrape_interval = scrapeInterval;
  config.global.evaluation_interval = scrapeInterval;
  delete config.alerting; // no Alertmanager runs locally: the alerts are on Prometheus's /alerts page
  config.scrape_configs = config.scrape_configs.map((job) => {
    if (!job.dns_sd_configs) return job;
    const local = { ...job, static_configs: [{ targets: targets[job.job_name] ?? [] }] };
    delete local.dns_sd_configs;
    return local;
  });
  return config;
}

export function writeLocalPrometheusConfig(outDir, targets, scrapeInterval) {
  fs.mkdirSync(outDir, { recursive: true });
  fs.copyFileSync(path.join(root, 'compose/prometheus/alerts.yml'), path.join(outDir, 'alerts.yml'));
  const file = path.join(outDir, 'prometheus.yml');
  fs.writeFileSync(file, stringify(localPrometheusConfig(targets, scrapeInterval)));
  return file;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [outDir, ...pairs] = process.argv.slice(2);
  const targets = Object.fromEntries(
    pairs.map((pair) => {
      const [job, list] = pair.split('=');
      return [job, list.split(',')];
    }),
  );
  process.stdout.write(writeLocalPrometheusConfig(outDir, targets) + '\n');
}
