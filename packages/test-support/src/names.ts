import { randomUUID } from 'node:crypto';

/** A name no other test run uses: `${prefix}-${uuid}`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}
