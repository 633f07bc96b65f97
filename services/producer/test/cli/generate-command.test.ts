import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { USER_LOG_HEADER } from '@streamtally/contracts';
import { generateCommand } from '../../src/cli/generate-command';

describe('the generate command', () => {
  it('writes the file it reports: a header and the rows asked for', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'generate-')), 'user_log.csv');
    const outcome = await generateCommand({ rows: '25', seed: '7', out });
    expect(outcome).toEqual({ ok: true, rows: 25, bytes: fs.statSync(out).size, out });
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(USER_LOG_HEADER);
    expect(lines).toHaveLength(26);
  });

  it('names every bad option at once and writes nothing', async () => {
    expect(await generateCommand({ rows: '0', seed: 'x', badRows: '2' })).toEqual({
      ok: false,
      errors: [
        '--rows: expected a positive integer (got "0")',
        '--seed: expected an integer (got "x")',
        '--bad-rows: expected a fraction 0-1 (got "2")',
        '--out: the file to write is required',
      ],
    });
  });
});
