import { z } from 'zod';
import { composeEnvironment } from '@streamtally/test-support';
import { gatewayConfigSchema } from '../src/config';

// compose/apps.yaml and this service's config schema must agree: every variable the schema
// requires is set, every variable compose sets is one the schema knows, and the values parse.
describe('compose environment of the gateway', () => {
  const environment = composeEnvironment('gateway');
  const shape = (gatewayConfigSchema as unknown as { shape?: Record<string, z.ZodType> }).shape
    ?? (gatewayConfigSchema as unknown as { def: { in: { shape: Record<string, z.ZodType> } } }).def.in.shape;

  it('sets every required variable', () => {
    const required = Object.entries(shape).filter(([, type]) => !type.safeParse(undefined).success).map(([name]) => name);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect({ name, set: environment[name] !== undefined }).toEqual({ name, set: true });
  });

  it('sets only variables the service knows', () => {
    const unknown = Object.keys(environment).filter((name) => !(name in shape));
    expect(unknown).toEqual([]);
  });

  it('gives values the schema accepts', () => {
    const values = Object.fromEntries(Object.entries(environment).filter(([, v]) => v !== undefined && v !== ''));
    const parsed = gatewayConfigSchema.safeParse(values);
    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`)).toEqual([]);
  });
});
