import path from 'node:path';
import { JsonRecordReader } from '@streamtally/contracts/sources';
import type { ProducerConfig } from './config';
import type { RowsSpec } from './rows/file-kinds';

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
/** what INPUT_FORMAT=auto reads a declared source's file as, by its extension */
const BY_EXTENSION: Record<string, 'csv' | 'json'> = { '.csv': 'csv', '.json': 'json', '.jsonl': 'json', '.ndjson': 'json', '.geojson': 'json' };

/** What a replay reads and where it writes: the settings with the declared source's topics put in, and the file's kind. */
export type InputPlan = { ok: true; config: ProducerConfig; rows: RowsSpec } | { ok: false; errors: string[] };

interface SourceEntry {
  name?: unknown;
  topic?: unknown;
  format?: unknown;
  fields?: unknown;
  time?: unknown;
  maxRecordBytes?: unknown;
}

/**
 * Decides what the replay reads. Without SOURCE_FILE: the tutorial's user_log CSV, as
 * always. With it: a source declared as the aggregator reads it (one declaration, not two
 * copies: SOURCE_FILE may be the jobs file itself, SOURCE_NAME picking the source), whose
 * topic the events go to, and a CSV or JSON file (INPUT_FORMAT, or its extension). Every
 * mistake names the variable. `given` holds the settings as set (not defaulted); `readFile`
 * reads SOURCE_FILE's text.
 */
export function planInput(config: ProducerConfig, settings: Record<string, string | undefined>, readFile: (file: string) => string): InputPlan {
  // a variable set to "" is unset, as everywhere in the settings (compose passes `${X:-}`)
  const given = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined && value !== ''));
  const userLog = { kind: 'user-log' as const, userLog: { year: config.DATA_YEAR, maxRowBytes: config.MAX_ROW_BYTES, maxFieldBytes: config.MAX_FIELD_BYTES } };
  if (config.SOURCE_FILE === undefined) {
    const needing: string[] = (['SOURCE_NAME', 'KEY_FIELD'] as const).filter((name) => config[name] !== undefined);
    if (config.INPUT_FORMAT !== 'auto') needing.push('INPUT_FORMAT');
    if (needing.length === 0) return { ok: true, config, rows: userLog };
    return {
      ok: false,
      errors: needing.map((name) => `${name}: belongs to a declared source's replay; set SOURCE_FILE too (the user_log replay needs neither)`),
    };
  }
  const at = `SOURCE_FILE ${config.SOURCE_FILE}`;
  let text: string;
  try {
    text = readFile(config.SOURCE_FILE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, errors: [`${at}: ${code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : (err as Error).message}`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [`${at}: not JSON: ${(err as Error).message}`] };
  }
  const entry = pickSource(parsed, config.SOURCE_NAME);
  if (typeof entry === 'string') return { ok: false, errors: [`${at}: ${entry}`] };
  return planDeclared(config, given, entry, at);
}

function planDeclared(config: ProducerConfig, given: Record<string, string | undefined>, entry: SourceEntry & { name: string }, at: string): InputPlan {
  const { name } = entry;
  if (entry.format !== 'json') {
    return {
      ok: false,
      errors: [
        `${at}: source "${name}" has format ${JSON.stringify(entry.format)}; the producer replays files for "json" sources (the user_log file needs no SOURCE_FILE)`,
      ],
    };
  }
  const declaration = { fields: entry.fields, time: entry.time, ...(entry.maxRecordBytes !== undefined ? { maxRecordBytes: entry.maxRecordBytes } : {}) };
  const compiled = JsonRecordReader.compile(name, declaration);
  if (!compiled.ok) return { ok: false, errors: compiled.errors.map((e) => `${at}: ${e}`) };
  const { reader } = compiled;
  const errors: string[] = [];
  if (typeof entry.topic !== 'string' || !TOPIC.test(entry.topic)) errors.push(`${at}: source "${name}": topic: expected a Kafka topic name`);
  const topic = String(entry.topic);
  if (given.INPUT_TOPIC !== undefined && given.INPUT_TOPIC !== topic)
    errors.push(`INPUT_TOPIC: source "${name}" writes to topic ${topic}; leave INPUT_TOPIC unset (or set it to ${topic})`);
  const deadLetterTopic = given.DEAD_LETTER_TOPIC ?? `${topic}.dlq`;
  if (deadLetterTopic === topic) errors.push(`DEAD_LETTER_TOPIC: must differ from the source's topic (${topic})`);
  if (config.KEY_FIELD !== undefined && !reader.fields.some((f) => f.name === config.KEY_FIELD))
    errors.push(`KEY_FIELD: "${config.KEY_FIELD}" is not a field of source "${name}" (its fields: ${reader.fields.map((f) => f.name).join(', ')})`);
  if (config.PACE === 'dates' && reader.timeField === 'kafka')
    errors.push(
      `PACE: "dates" paces by the file's own times, but source "${name}" takes its time from Kafka; declare a timestamp field as its time, or use PACE=fixed or max`,
    );
  if (given.INPUT_FILE === undefined) errors.push(`INPUT_FILE: name the file to replay for source "${name}"`);
  const kind = config.INPUT_FORMAT === 'auto' ? BY_EXTENSION[path.extname(config.INPUT_FILE).toLowerCase()] : config.INPUT_FORMAT;
  if (kind === undefined)
    errors.push(`INPUT_FORMAT: cannot tell from INPUT_FILE ${config.INPUT_FILE}'s extension whether it is CSV or JSON; set INPUT_FORMAT=csv or json`);
  if (errors.length > 0) return { ok: false, errors };
  const source = { name, declaration, ...(config.KEY_FIELD !== undefined ? { keyField: config.KEY_FIELD } : {}) };
  return {
    ok: true,
    config: { ...config, INPUT_TOPIC: topic, DEAD_LETTER_TOPIC: deadLetterTopic },
    rows: { kind: kind!, source, maxRowBytes: reader.maxRecordBytes },
  };
}

/** The source to replay: a file of one source, or a jobs file's `sources`, by SOURCE_NAME (needed only when it declares several). */
function pickSource(file: unknown, wanted: string | undefined): (SourceEntry & { name: string }) | string {
  const isObject = (v: unknown): v is SourceEntry => typeof v === 'object' && v !== null && !Array.isArray(v);
  const sources =
    isObject(file) && Array.isArray((file as { sources?: unknown }).sources)
      ? (file as { sources: unknown[] }).sources
      : isObject(file) && 'format' in file
        ? [file]
        : undefined;
  if (!sources) return 'expected a source ({"name", "topic", "format": "json", "fields", "time"}) or a jobs file with "sources"';
  const named = sources.filter((s): s is SourceEntry & { name: string } => isObject(s) && typeof s.name === 'string');
  const names = named.map((s) => s.name);
  if (wanted !== undefined) {
    const found = named.find((s) => s.name === wanted);
    return found ?? `SOURCE_NAME "${wanted}" is not declared here (sources: ${names.join(', ') || 'none'})`;
  }
  const json = named.filter((s) => s.format === 'json');
  if (json.length === 1) return json[0]!;
  return json.length === 0
    ? 'declares no "json" source'
    : `declares ${json.length} json sources (${json.map((s) => s.name).join(', ')}); set SOURCE_NAME to one`;
}
