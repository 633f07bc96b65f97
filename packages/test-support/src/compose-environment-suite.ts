import { composeEnvironment } from './compose';

/** The parts of a zod object schema the suite needs (kept structural: test-support has no zod). */
interface ObjectSchema {
  shape: Record<string, { safeParse(value: unknown): { success: boolean } }>;
  safeParse(value: unknown): { success: true } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

/**
 * compose/apps.yaml and a service's config schema must agree: every variable the schema
 * requires is set, every variable compose sets is one the schema knows, and the values parse.
 */
export function describeComposeEnvironment(service: string, schema: ObjectSchema): void {
  describe(`compose environment of the ${service}`, () => {
    const environment = composeEnvironment(service);

    it('sets every required variable', () => {
      const required = Object.entries(schema.shape)
        .filter(([, type]) => !type.safeParse(undefined).success)
        .map(([name]) => name);
      expect(required.length).toBeGreaterThan(0);
      expect(required.filter((name) => environment[name] === undefined)).toEqual([]);
    });

    it('sets only variables the service knows', () => {
      expect(Object.keys(environment).filter((name) => !(name in schema.shape))).toEqual([]);
    });

    it('gives values the schema accepts', () => {
      const values = Object.fromEntries(Object.entries(environment).filter(([, v]) => v !== undefined && v !== ''));
      const parsed = schema.safeParse(values);
      expect(parsed.success ? [] : parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`)).toEqual([]);
    });
  });
}
