import { helpText, parseCommandLine } from '../../src/cli/args';
import { OPTIONS } from '../../src/cli/options';
import { progressLine } from '../../src/cli/progress';

describe('command line', () => {
  it('maps flags to their environment variables; replay is the default command', () => {
    const parsed = parseCommandLine(['--file', 'x.csv', '--rate', '200', '--loop']);
    expect(parsed).toEqual({ ok: true, value: expect.objectContaining({ command: 'replay', values: { INPUT_FILE: 'x.csv', RATE: '200', LOOP: 'true' } }) });
  });

  it('reads a command and its positionals', () => {
    expect(parseCommandLine(['tail', 'window-results', '--from-beginning'])).toMatchObject({
      ok: true,
      value: { command: 'tail', positionals: ['window-results'], fromBeginning: true },
    });
  });

  it('names an unknown flag or command', () => {
    expect(parseCommandLine(['--colour', 'red'])).toMatchObject({ ok: false, error: expect.stringContaining("'--colour'") });
    expect(parseCommandLine(['explode'])).toMatchObject({ ok: false, error: expect.stringContaining('unknown command "explode"') });
  });

  it('documents every option with its variable in --help', () => {
    const help = helpText();
    for (const option of OPTIONS) {
      expect(help).toContain(`--${option.flag}`);
      expect(help).toContain(option.env);
    }
  });

  it('renders progress with percentage, rate and ETA', () => {
    const line = progressLine({ bytesRead: 50, totalBytes: 100, events: 1000, deadLettered: 2, elapsedMs: 2000, width: 10 });
    expect(line).toBe('[#####.....]  50.0%  1,000 events  500/s  2 dead-lettered  ETA 0m02s');
  });
});
