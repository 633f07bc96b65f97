import { encodeUserActionText } from '@streamtally/contracts';
import { decodeRecord } from '../../src/csv/record-decoder';
import { RowBytes } from '../../src/csv/row-bytes';
import { CANONICAL_COLUMNS, createRowParser, UserLogColumn } from '../../src/csv/user-log-row';
import { generateUserLog } from '../../src/sample-data/generator';
import { seededRandom } from '../../src/sample-data/random';

const MAX_FIELD_BYTES = 256;
const MAX_ROW_BYTES = 4096;

/** What the text path makes of a row: its key and JSON bytes, or the problem's code. */
function viaText(bytes: Buffer, columns: readonly UserLogColumn[], ts: number, line: number): Buffer | string {
  const decoded = decodeRecord({ bytes, line });
  if (!decoded.ok) return decoded.code;
  const parsed = createRowParser(columns, MAX_FIELD_BYTES)(decoded.text, line);
  if (!parsed.ok) return parsed.code;
  return Buffer.from(String(parsed.row.user_id) + encodeUserActionText({ ...parsed.row, ts }));
}

/** What the byte path makes of it: the same, or undefined when it leaves the row to the text path. */
function viaBytes(rowBytes: RowBytes, bytes: Buffer, ts: number, line: number): { bytes: Buffer; keyBytes: number } | undefined {
  if (!rowBytes.parse(bytes)) return undefined;
  const length = rowBytes.encode(ts, line);
  expect(rowBytes.keyBytes + rowBytes.valueBytes).toBe(length);
  return { bytes: Buffer.from(rowBytes.out.subarray(0, length)), keyBytes: rowBytes.keyBytes };
}

// what dirty files hold, spliced into good rows at random places
const SPLICES = [
  ' ',
  '  ',
  '\t',
  '\u00a0',
  '\u3000',
  '\u2028',
  '\ufeff',
  '\u1680',
  '"',
  '""',
  '\\',
  '\u0085',
  '\u009f',
  '\u001b',
  '\u007f',
  '\u0000',
  'NULL',
  'null',
  ',',
  ',,',
  '0',
  '00',
  '007',
  '-1',
  '1.5',
  '1e3',
  '9999999999999999',
  '123456789012345',
  'é',
  '😀',
  'x',
  '上海',
  '\r',
];
const BAD_BYTES = [Buffer.from([0xff]), Buffer.from([0xc2]), Buffer.from([0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe4, 0xb8])];

function mutate(row: string, random: () => number): Buffer {
  let bytes = Buffer.from(row);
  for (let n = 1 + Math.floor(random() * 3); n > 0; n -= 1) {
    const at = Math.floor(random() * (bytes.length + 1));
    const roll = random();
    if (roll < 0.15) {
      bytes = Buffer.concat([bytes.subarray(0, at), BAD_BYTES[Math.floor(random() * BAD_BYTES.length)]!, bytes.subarray(at)]);
    } else if (roll < 0.3) {
      bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + Math.floor(random() * 3)))]);
    } else {
      // at a field's edge as often as inside one: where trimming and blanks matter
      const text = bytes.toString('latin1');
      const commas = [...text.matchAll(/,/g)].map((m) => m.index!);
      const edge = random() < 0.5 && commas.length > 0 ? commas[Math.floor(random() * commas.length)]! + (random() < 0.5 ? 1 : 0) : at;
      const splice = Buffer.from(SPLICES[Math.floor(random() * SPLICES.length)]!);
      bytes = Buffer.concat([bytes.subarray(0, edge), splice, bytes.subarray(edge)]);
    }
  }
  return bytes;
}

function compare(columns: readonly UserLogColumn[], rows: Buffer[]): { taken: number; left: number } {
  const rowBytes = new RowBytes(columns, MAX_FIELD_BYTES, MAX_ROW_BYTES);
  let taken = 0;
  let left = 0;
  rows.forEach((bytes, i) => {
    const ts = 1_431_302_400_000 + i * 1_013;
    const line = i + 2;
    const fast = viaBytes(rowBytes, bytes, ts, line);
    if (!fast) {
      left += 1;
      return;
    }
    taken += 1;
    const text = viaText(bytes, columns, ts, line);
    // a row the byte path takes is a good row, and its key and JSON are the text path's to the byte
    if (!Buffer.isBuffer(text) || !text.equals(fast.bytes)) {
      throw new Error(`row ${JSON.stringify(bytes.toString('latin1'))}: bytes path ${fast.bytes.toString()}, text path ${String(text)}`);
    }
  });
  return { taken, left };
}

describe('RowBytes', () => {
  const good = [...generateUserLog({ rows: 5000, seed: 17 })].slice(1);

  it('takes every row of a clean generated file (blank brands and ages too) and writes what the text path writes', () => {
    const { taken, left } = compare(
      CANONICAL_COLUMNS,
      good.map((row) => Buffer.from(row)),
    );
    expect(left).toBe(0);
    expect(taken).toBe(good.length);
  });

  it('on 40,000 seeded dirty rows, never takes a row the text path would refuse or write otherwise', () => {
    const random = seededRandom(99);
    const dirty = Array.from({ length: 40_000 }, (_, i) => mutate(good[i % good.length]!, random));
    const { taken, left } = compare(CANONICAL_COLUMNS, dirty);
    // both kinds in numbers: the comparison above ran on thousands of taken rows
    expect(taken).toBeGreaterThan(2_000);
    expect(left).toBeGreaterThan(5_000);
  });

  it('reads columns in a header’s order', () => {
    const columns = [...CANONICAL_COLUMNS].reverse();
    const rows = good.slice(0, 500).map((row) => Buffer.from(row.split(',').reverse().join(',')));
    expect(compare(columns, rows)).toEqual({ taken: 500, left: 0 });
  });

  it.each([
    ['a quoted field', '1,2,3,4,5,11,11,0,1,0,"上海"'],
    ['a province with a space at its end', '1,2,3,4,5,11,11,0,1,0,上海 '],
    ['a province starting with an ideographic space', '1,2,3,4,5,11,11,0,1,0,\u3000上海'],
    ['a backslash', '1,2,3,4,5,11,11,0,1,0,上\\海'],
    ['a C1 control character', '1,2,3,4,5,11,11,0,1,0,上\u0085海'],
    ['NULL for a brand', '1,2,3,4,NULL,11,11,0,1,0,上海'],
    ['a blank user id', ',2,3,4,5,11,11,0,1,0,上海'],
    ['a month out of range', '1,2,3,4,5,13,11,0,1,0,上海'],
    ['an empty province', '1,2,3,4,5,11,11,0,1,0,'],
    ['one column too many', '1,2,3,4,5,11,11,0,1,0,上海,x'],
    ['one column too few', '1,2,3,4,5,11,11,0,1,上海'],
    ['a province past MAX_FIELD_BYTES', `1,2,3,4,5,11,11,0,1,0,${'省'.repeat(90)}`],
  ])('leaves %s to the text path', (_, row) => {
    expect(new RowBytes(CANONICAL_COLUMNS, MAX_FIELD_BYTES, MAX_ROW_BYTES).parse(Buffer.from(row))).toBe(false);
  });

  it('writes blanks as the table says: brand null, gender 2 and age 0 unknown; digits without their leading zeros', () => {
    const rowBytes = new RowBytes(CANONICAL_COLUMNS, MAX_FIELD_BYTES, MAX_ROW_BYTES);
    expect(rowBytes.parse(Buffer.from('0042,2,3,4, ,05,09,0,,,北京'))).toBe(true);
    expect([rowBytes.month, rowBytes.day]).toEqual([5, 9]);
    const length = rowBytes.encode(1_700_000_000_123, 7);
    expect(rowBytes.out.subarray(0, rowBytes.keyBytes).toString()).toBe('42');
    expect(JSON.parse(rowBytes.out.subarray(rowBytes.keyBytes, length).toString())).toEqual({
      user_id: 42,
      item_id: 2,
      cat_id: 3,
      merchant_id: 4,
      brand_id: null,
      month: 5,
      day: 9,
      action: 0,
      age_range: 0,
      gender: 2,
      province: '北京',
      ts: 1_700_000_000_123,
      line: 7,
    });
  });
});
