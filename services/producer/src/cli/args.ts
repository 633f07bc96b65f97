import { parseArgs } from 'node:util';
import { OPTIONS } from './options';

export const COMMANDS = ['replay', 'lines', 'topics', 'tail', 'generate'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CommandLine {
  command: Command;
  /** flag values keyed by their environment variable; they override the environment */
  values: Record<string, string>;
  positionals: string[];
  help: boolean;
  fromBeginning: boolean;
  /** generate: --rows, --out, --seed, --bad-rows */
  generate: { rows?: string; out?: string; seed?: string; badRows?: string };
}

export type ParsedCommandLine = { ok: true; value: CommandLine } | { ok: false; error: string };

/** Reads `streamtally-producer [command] [options]`; an unknown flag is an error naming it. */
export function parseCommandLine(argv: string[]): ParsedCommandLine {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    help: { type: 'boolean' },
    'from-beginning': { type: 'boolean' },
    rows: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    'bad-rows': { type: 'string' },
  };
  for (const option of OPTIONS) options[option.flag] = { type: option.boolean ? 'boolean' : 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    return { ok: false, error: `${(err as Error).message}; see --help` };
  }
  const [first, ...rest] = parsed.positionals;
  let command: Command = 'replay';
  let positionals = parsed.positionals;
  if (first !== undefined && (COMMANDS as readonly string[]).includes(first)) {
    command = first as Command;
    positionals = rest;
  } else if (first !== undefined) {
    return { ok: false, error: `unknown command "${first}"; commands: ${COMMANDS.join(', ')}` };
  }
  const values: Record<string, string> = {};
  for (const option of OPTIONS) {
    const value = parsed.values[option.flag];
    if (value !== undefined) values[option.env] = String(value);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  return {
    ok: true,
    value: {
      command,
      values,
      positionals,
      help: Boolean(v.help),
      fromBeginning: Boolean(v['from-beginning']),
      generate: { rows: v.rows as string, out: v.out as string, seed: v.seed as string, badRows: v['bad-rows'] as string },
    },
  };
}

export function helpText(): string {
  const width = Math.max(...OPTIONS.map((o) => o.flag.length + o.env.length)) + 8;
  const lines = OPTIONS.map((o) => `  --${o.flag}${o.boolean ? '' : ' X'}  ${o.env}`.padEnd(width + 4) + o.help);
  return [
    'streamtally-producer: replay user_log.csv into Kafka, paced, keyed and loss-free.',
    '',
    'usage:',
    '  streamtally-producer [replay] [options]          replay INPUT_FILE into INPUT_TOPIC',
    '  streamtally-producer lines [--from tcp|stdin]    publish text lines (word-count source) to TEXT_TOPIC',
    "  streamtally-producer topics                      list the project's topics: partitions, end offsets, group lag",
    "  streamtally-producer tail <topic> [--from-beginning]  print a topic's records, one per line",
    '  streamtally-producer generate --rows N --out FILE [--seed S] [--bad-rows FRACTION]',
    '                                                   write a realistic user_log.csv',
    '',
    'options (each flag also reads the environment variable beside it; the flag wins):',
    ...lines,
    '  --help' + ' '.repeat(Math.max(1, width - 2)) + 'this text',
  ].join('\n');
}
