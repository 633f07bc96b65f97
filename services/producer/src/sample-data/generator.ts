import { USER_LOG_HEADER } from '@streamtally/contracts';
import { seededRandom, skewedIndex, weighted } from './random';

/** The 34 provincial-level divisions, as the Tmall log names them. */
export const PROVINCES = [
  '北京',
  '天津',
  '河北',
  '山西',
  '内蒙古',
  '辽宁',
  '吉林',
  '黑龙江',
  '上海',
  '江苏',
  '浙江',
  '安徽',
  '福建',
  '江西',
  '山东',
  '河南',
  '湖北',
  '湖南',
  '广东',
  '广西',
  '海南',
  '重庆',
  '四川',
  '贵州',
  '云南',
  '西藏',
  '陕西',
  '甘肃',
  '青海',
  '宁夏',
  '新疆',
  '香港',
  '澳门',
  '台湾',
] as const;

export interface GeneratorOptions {
  rows: number;
  seed: number;
  /** fraction of rows written broken (for tests of the dead-letter path) */
  badRowFraction?: number;
  header?: boolean;
}

interface User {
  id: number;
  gender: string;
  age: string;
  province: string;
}
interface Item {
  id: number;
  cat: number;
  merchant: number;
  brand: string;
}

// Roughly the real log's mix: mostly clicks, few add-to-carts.
const ACTION_WEIGHTS = [
  ['0', 89],
  ['1', 0.2],
  ['2', 6],
  ['3', 4.8],
] as const;
const GENDER_WEIGHTS = [
  ['0', 62],
  ['1', 24],
  ['2', 6],
  ['', 8],
] as const;
const AGE_WEIGHTS = [
  ['', 5],
  ['0', 5],
  ['1', 1],
  ['2', 12],
  ['3', 27],
  ['4', 24],
  ['5', 13],
  ['6', 9],
  ['7', 3],
  ['8', 1],
] as const;
const BAD_ROWS = [
  (line: string) => line.split(',').slice(0, 9).join(','), // too few columns
  (line: string) => `abc${line.slice(line.indexOf(','))}`, // non-numeric user_id
  (line: string) => line.replace(/,(\d),(\d|),(\d|),([^,]*)$/, ',7,$2,$3,$4'), // action out of range
  (line: string) => line.replace(/,([^,]*)$/, ',\uFFFD-bad-bytes-$1'), // becomes invalid UTF-8 on write
] as const;

/**
 * Yields lines of a realistic user_log.csv: skewed users and items, mostly clicks, some
 * unknown genders and ages, real province names, dates from 05-11 to 11-11 in order.
 * Each user keeps one gender, age range and province, as in the real data.
 */
export function* generateUserLog({ rows, seed, badRowFraction = 0, header = true }: GeneratorOptions): Generator<string> {
  const random = seededRandom(seed);
  const users: User[] = Array.from({ length: Math.max(100, Math.ceil(rows / 40)) }, (_, i) => ({
    id: 1 + i * 7 + Math.floor(random() * 7),
    gender: weighted(random, GENDER_WEIGHTS),
    age: weighted(random, AGE_WEIGHTS),
    province: PROVINCES[skewedIndex(random, PROVINCES.length, 1.6)]!,
  }));
  const merchants = Math.max(50, Math.ceil(rows / 400));
  const items: Item[] = Array.from({ length: Math.max(200, Math.ceil(rows / 8)) }, (_, i) => ({
    id: 1 + i * 3,
    cat: 1 + skewedIndex(random, 1600, 2),
    merchant: 1 + skewedIndex(random, merchants, 2),
    brand: random() < 0.02 ? '' : String(1 + skewedIndex(random, 8400, 2)),
  }));
  if (header) yield USER_LOG_HEADER;
  const firstDay = Date.UTC(2015, 4, 11);
  const days = 184; // 05-11 .. 11-11
  for (let i = 0; i < rows; i += 1) {
    const user = users[skewedIndex(random, users.length)]!;
    const item = items[skewedIndex(random, items.length)]!;
    const date = new Date(firstDay + Math.floor((i / rows) * (days + 1)) * 86_400_000);
    const month = String(date.getUTCMonth() + 1).padStart(2, '0');
    const day = String(date.getUTCDate()).padStart(2, '0');
    const line = [
      user.id,
      item.id,
      item.cat,
      item.merchant,
      item.brand,
      month,
      day,
      weighted(random, ACTION_WEIGHTS),
      user.age,
      user.gender,
      user.province,
    ].join(',');
    if (badRowFraction > 0 && random() < badRowFraction) {
      yield BAD_ROWS[Math.floor(random() * BAD_ROWS.length)]!(line);
    } else {
      yield line;
    }
  }
}

/** Encodes a generated line; U+FFFD marks where a broken row gets invalid UTF-8 bytes. */
export function encodeGeneratedLine(line: string): Buffer {
  if (!line.includes('\uFFFD')) return Buffer.from(line + '\n');
  const [before, after] = line.split('\uFFFD');
  return Buffer.concat([Buffer.from(before!), Buffer.from([0xff, 0xfe]), Buffer.from(after! + '\n')]);
}
