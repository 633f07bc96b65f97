import { writeUserLog } from '../sample-data/write-file';

export interface GenerateOptions {
  rows?: string;
  out?: string;
  seed?: string;
  badRows?: string;
}

export type GenerateOutcome = { ok: true; rows: number; bytes: number; out: string } | { ok: false; errors: string[] };

/** The `generate` command: a synthetic user_log.csv; every bad option is named. */
export async function generateCommand(options: GenerateOptions): Promise<GenerateOutcome> {
  const rows = Number(options.rows ?? 1000);
  const seed = Number(options.seed ?? 1);
  const badRowFraction = Number(options.badRows ?? 0);
  const errors = [
    !Number.isInteger(rows) || rows < 1 ? `--rows: expected a positive integer (got "${options.rows}")` : '',
    !Number.isInteger(seed) ? `--seed: expected an integer (got "${options.seed}")` : '',
    !(badRowFraction >= 0 && badRowFraction <= 1) ? `--bad-rows: expected a fraction 0-1 (got "${options.badRows}")` : '',
    !options.out ? '--out: the file to write is required' : '',
  ].filter(Boolean);
  if (errors.length > 0 || !options.out) return { ok: false, errors };
  const written = await writeUserLog(options.out, { rows, seed, badRowFraction });
  return { ok: true, rows: written.rows, bytes: written.bytes, out: options.out };
}
