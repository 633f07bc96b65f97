import { z } from 'zod';
import { parseSettings, setting } from '../src';

const schema = z.object({
  KAFKA_BROKERS: setting.brokers(),
  PORT: setting.integer(1, 65535).default(8080),
  VERBOSE: setting.flag().default(false),
});

describe('parseSettings', () => {
  it('applies defaults and treats empty values as unset', () => {
    expect(parseSettings(schema, { KAFKA_BROKERS: 'a:1,b:2', PORT: '' })).toEqual({
      ok: true, config: { KAFKA_BROKERS: ['a:1', 'b:2'], PORT: 8080, VERBOSE: false },
    });
  });

  it('names every bad variable, its flag when it has one, and the value', () => {
    const result = parseSettings(schema, { PORT: '70000', VERBOSE: 'perhaps' }, new Map([['PORT', 'port']]));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(3);
    expect(result.errors[0]).toMatch(/^KAFKA_BROKERS: is required/);
    expect(result.errors[1]).toMatch(/^PORT \(--port\): .* \(got "70000"\)$/);
    expect(result.errors[2]).toMatch(/^VERBOSE: .* \(got "perhaps"\)$/);
  });
});
