/**
 * Splits one CSV record into fields (RFC 4180: `"a,b"` is one field, `""` inside quotes is
 * a literal quote). Returns an error string for a quote that does not close.
 */
export function splitFields(record: string): string[] | string {
  if (!record.includes('"')) return record.split(',');
  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < record.length) {
    const char = record[i]!;
    if (quoted) {
      if (char === '"') {
        if (record[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else {
      field += char;
    }
    i += 1;
  }
  if (quoted) return 'a quoted field is not closed';
  fields.push(field);
  return fields;
}
