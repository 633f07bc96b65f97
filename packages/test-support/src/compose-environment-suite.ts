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

    it('sets only variables the service knows (a secret also as <NAME>_FILE)', () => {
      const known = (name: string) => name in schema.shape || (name.endsWith('_FILE') && name.slice(0, -'_FILE'.length) in schema.shape);
      expect(Object.keys(environment).filter((name) => !known(name))).toEqual([]);
    });

    it('gives values the schema accepts', () => {
      // a secret's file exists only in the container: its value is taken as given
      const values = Object.fromEntries(
        Object.entries(environment)
          .filter(([, v]) => v !== undefined && v !== '')
          .map(([name, value]) =>
            name.endsWith('_FILE') && !(name in schema.shape) ? [name.slice(0, -'_FILE'.length), 'a-secret-from-a-file'] : [name, value],
          ),
      );
      const parsed = schema.safeParse(values);
      expect(parsed.success ? [] : parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`)).toEqual([]);
    });
  });
}
