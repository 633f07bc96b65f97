import { CANONICAL_COLUMNS, columnsFromHeader, createRowParser, isHeader } from '../../src/csv/user-log-row';
import { splitFields } from '../../src/csv/fields';

const parse = createRowParser(CANONICAL_COLUMNS);

describe('user_log row parser', () => {
  it('parses a good row with zero-padded month and day', () => {
    expect(parse('328862,323294,833,2882,2661,08,29,0,0,1,内蒙古', 2)).toEqual({
      ok: true,
      row: {
        user_id: 328862,
        item_id: 323294,
        cat_id: 833,
        merchant_id: 2882,
        brand_id: 2661,
        month: 8,
        day: 29,
        action: 0,
        age_range: 0,
        gender: 1,
        province: '内蒙古',
        ts: 0,
        line: 2,
      },
    });
  });

  it('reads empty gender as unknown (2), empty age as unknown (0), empty or NULL brand as null', () => {
    const empty = parse('1,2,3,4,,11,11,2,,,上海', 5);
    expect(empty).toMatchObject({ ok: true, row: { gender: 2, age_range: 0, brand_id: null } });
    expect(parse('1,2,3,4,NULL,11,11,2,3,0,上海', 5)).toMatchObject({ ok: true, row: { brand_id: null } });
  });

  it('allows spaces around numbers, blank fields of spaces, any-case NULL and quoted numbers', () => {
    expect(parse(' 1 ,2,3,4, null ,11,11,2,  ,\t,上海 ', 5)).toEqual({
      ok: true,
      row: {
        user_id: 1,
        item_id: 2,
        cat_id: 3,
        merchant_id: 4,
        brand_id: null,
        month: 11,
        day: 11,
        action: 2,
        age_range: 0,
        gender: 2,
        province: '上海',
        ts: 0,
        line: 5,
      },
    });
    expect(parse('"1","2",3,4,"5",11,11,2,3,1,"上海"', 6)).toMatchObject({ ok: true, row: { user_id: 1, item_id: 2, brand_id: 5, gender: 1 } });
    expect(parse('"1","x",3,4,5,11,11,2,3,1,上海', 6)).toEqual({ ok: false, code: 'bad_item_id', reason: 'field item_id: "x" is not a non-negative integer' });
    expect(parse('1,2,3,4,5,11,11,2,3,1,', 7)).toMatchObject({ ok: true, row: { province: '' } });
  });

  it('handles quoted fields', () => {
    expect(parse('1,2,3,4,5,11,11,2,3,0,"上海, 浦东"', 1)).toMatchObject({ ok: true, row: { province: '上海, 浦东' } });
    expect(splitFields('a,"say ""hi""",c')).toEqual(['a', 'say "hi"', 'c']);
    expect(splitFields('"",x,""')).toEqual(['', 'x', '']);
  });

  it('takes a quote inside an unquoted field literally (RFC 4180: quotes open a field only at its start)', () => {
    expect(splitFields('a,27" monitor,c')).toEqual(['a', '27" monitor', 'c']);
    expect(parse('1,2,3,4,5,11,11,2,3,0,27" 上海', 1)).toMatchObject({ ok: true, row: { province: '27" 上海' } });
  });

  it('accepts a province of exactly the bound, and a custom bound', () => {
    expect(parse('1,2,3,4,5,11,11,2,3,0,' + 'x'.repeat(256), 1)).toMatchObject({ ok: true });
    expect(createRowParser(CANONICAL_COLUMNS, 8)('1,2,3,4,5,11,11,2,3,0,上海上海', 1)).toEqual({
      ok: false,
      code: 'bad_province',
      reason: 'field province: 12 bytes, more than 8',
    });
  });

  it.each([
    ['1,2,3,4,5,11,11,2,3,0', 'expected 11 columns, found 10'],
    ['1,2,3,4,5,11,11,2,3,0,上海,extra', 'expected 11 columns, found 12'],
    ['abc,2,3,4,5,11,11,2,3,0,上海', 'field user_id: "abc" is not a non-negative integer'],
    ['1,-2,3,4,5,11,11,2,3,0,上海', 'field item_id: "-2" is not a non-negative integer'],
    ['1,2,3,4,x5,11,11,2,3,0,上海', 'field brand_id: "x5" is not a non-negative integer'],
    ['1,2,3,4,5,13,11,2,3,0,上海', 'field month: "13" is not a month 1-12'],
    ['1,2,3,4,5,00,11,2,3,0,上海', 'field month: "00" is not a month 1-12'],
    ['1,2,3,4,5,11,32,2,3,0,上海', 'field day: "32" is not a day 1-31'],
    ['1,2,3,4,5,11,11,4,3,0,上海', 'field action: "4" is not an action code 0-3'],
    ['1,2,3,4,5,11,11,2,9,0,上海', 'field age_range: "9" is not an age range code 0-8'],
    ['1,2,3,4,5,11,11,2,3,3,上海', 'field gender: "3" is not a gender code 0, 1 or 2'],
    ['1,2,3,4,5,11,11,2,3,0,"上海', 'field province: a quoted field is not closed'],
    ['1,2,3,4,5,11,11,2,3,0,"上海"x', 'field province: text after the closing quote'],
    ['1,2,3,4,5,11,11,2,3,0,' + '北'.repeat(86), 'field province: 258 bytes, more than 256'],
    ['1,2,3,4,5,11,11,2,3,0,上\u0000海', 'field province: control character U+0000 at character 2'],
    ['1,2,3,4,5,11,11,2,3,0,\u001b[31m上海', 'field province: control character U+001B at character 1'],
    ['1,2,3,4,5,11,11,2,3,0,上海\u0085', 'field province: control character U+0085 at character 3'],
    ['1,2,3,4,5,11,11,2,3,0,"上海",x', 'expected 11 columns, found 12'],
    ['', 'expected 11 columns, found 1'],
    ['1,2,3,4,5,11,11,2,3, 1x,上海', 'field gender: " 1x" is not a gender code 0, 1 or 2'],
    ['1,2,3,4,5,11,11,2,1 2,1,上海', 'field age_range: "1 2" is not an age range code 0-8'],
    ['1,2,3,4,5,11,11,,3,1,上海', 'field action: "" is not an action code 0-3'],
  ])('rejects %s: %s', (record, reason) => {
    expect(parse(record, 9)).toMatchObject({ ok: false, reason }); // codes: test/replay/dead-letter.test.ts
  });

  it('detects a header and follows its column order', () => {
    const header = 'gender,user_id,item_id,cat_id,merchant_id,brand_id,month,day,action,age_range,province'.split(',');
    expect(isHeader(splitFields('user_id,item_id') as string[])).toBe(true);
    expect(isHeader(['328862', '1'])).toBe(false);
    const columns = columnsFromHeader(header);
    expect(Array.isArray(columns)).toBe(true);
    const reordered = createRowParser(columns as never);
    expect(reordered('1,7,2,3,4,5,06,01,0,3,广东', 2)).toMatchObject({ ok: true, row: { gender: 1, user_id: 7 } });
  });

  it('names a header column it does not know or misses', () => {
    expect(columnsFromHeader(['user_id', 'colour'])).toEqual({ code: 'bad_header', reason: 'header has an unknown column "colour"' });
    expect(columnsFromHeader(['user_id'])).toEqual({ code: 'bad_header', reason: 'header has no column "item_id"' });
  });
});
