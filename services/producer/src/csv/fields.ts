import { problem, type Problem } from '@streamtally/contracts';

/**
 * Splits one CSV record into fields by RFC 4180: a quote opens a quoted field only at the
 * start of a field (`"a,b"` is one field, `""` inside it a literal quote); anywhere else it is
 * an ordinary character (`27" monitor`). Returns a problem for a quoted field that
 * does not close, or text after its closing quote; `nameOf` names a field (1-based) in it.
 */
export function splitFields(record: string, nameOf: (field: number) => string = String): string[] | Problem {
  if (!record.includes('"')) return record.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (record[i] === '"') {
      let field = '';
      i += 1;
      for (;;) {
        const close = record.indexOf('"', i);
        if (close === -1) return problem('unclosed_quote', `field ${nameOf(fields.length + 1)}: a quoted field is not closed`);
        field += record.slice(i, close);
        if (record[close + 1] === '"') {
          field += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      fields.push(field);
      if (i === record.length) return fields;
      if (record[i] !== ',') return problem('bad_quote', `field ${nameOf(fields.length)}: text after the closing quote`);
      i += 1;
    } else {
      const comma = record.indexOf(',', i);
      fields.push(record.slice(i, comma === -1 ? undefined : comma));
      if (comma === -1) return fields;
      i = comma + 1;
    }
  }
}
