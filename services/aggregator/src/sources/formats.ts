import { JsonRecordReader } from '@streamtally/contracts/sources';
import type { InputSource } from './input-source';
import { jsonSource } from './json-source';
import { textLineSource } from './text-line-source';
import { userActionSource } from './user-action-source';

/** A source as declared: its name, topic and format, and for `json` its declaration. */
export interface SourceDeclaration {
  name: string;
  topic: string;
  format: InputFormatName;
  json?: unknown;
}

/**
 * Every input format, registered here and only here: a new format is a module in this folder
 * and one line below (README, "Adding an input format").
 */
const FORMATS = {
  'user-action': (d: SourceDeclaration) => ({ ok: true as const, source: userActionSource(d.name, d.topic) }),
  'text-line': (d: SourceDeclaration) => ({ ok: true as const, source: textLineSource(d.name, d.topic) }),
  json: (d: SourceDeclaration) => {
    const compiled = JsonRecordReader.compile(d.name, d.json ?? {});
    return compiled.ok ? { ok: true as const, source: jsonSource(d.name, d.topic, compiled.reader) } : compiled;
  },
} satisfies Record<string, (d: SourceDeclaration) => { ok: true; source: InputSource } | { ok: false; errors: string[] }>;

export type InputFormatName = keyof typeof FORMATS;
export const INPUT_FORMATS = Object.keys(FORMATS) as InputFormatName[];

export function compileSource(declaration: SourceDeclaration): { ok: true; source: InputSource } | { ok: false; errors: string[] } {
  return FORMATS[declaration.format](declaration);
}
