import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

interface ComposeFile {
  services?: Record<string, { environment?: Record<string, string | number | boolean | null> | string[] }>;
}

/**
 * The environment compose gives a service in compose/apps.yaml, with `${VAR:-default}`
 * resolved to its default (what a user gets without a .env), `${VAR:?msg}` to undefined.
 */
export function composeEnvironment(service: string, file = path.join(REPO_ROOT, 'compose/apps.yaml')): Record<string, string | undefined> {
  const compose = parse(fs.readFileSync(file, 'utf8')) as ComposeFile;
  const definition = compose.services?.[service];
  if (!definition) throw new Error(`${file} has no service "${service}"`);
  const raw = definition.environment ?? {};
  const entries: [string, string][] = Array.isArray(raw)
    ? raw.map((line) => [line.split('=')[0]!, line.slice(line.indexOf('=') + 1)])
    : Object.entries(raw).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries.map(([key, value]) => [key, resolveDefaults(value)]));
}

function resolveDefaults(value: string): string | undefined {
  if (/\$\{[A-Z0-9_]+:\?/.test(value)) return undefined;
  return value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1').replace(/\$\{[A-Z0-9_]+\}/g, '');
}
