import fs from 'node:fs';
import path from 'node:path';
import { AGGREGATOR_REDIS_ACL, REPO_ROOT } from '@streamtally/test-support';
import { readAclTable } from '../src';

// The README's security instructions are the ones the tests apply: the ACL table (read by the
// secured pipeline test), and the aggregator's Redis ACL (given to it in the Redis tests).
const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

describe('the README’s security instructions', () => {
  it('give the aggregator’s Redis user the rules the tests give it', () => {
    expect(readme).toContain(`ACL SETUSER streamtally-aggregator on >PASSWORD ${AGGREGATOR_REDIS_ACL}`);
  });

  it('list ACLs for every principal, in both modes, each row readable', () => {
    const rows = readAclTable(readme);
    expect(new Set(rows.map((r) => r.principal))).toEqual(new Set(['producer', 'aggregator', 'gateway', 'operator']));
    expect(rows.filter((r) => r.needed === 'create').map((r) => r.operations)).toEqual(expect.arrayContaining([['Create']]));
    expect(() => readAclTable(readme.replace('| prefixed | Read, Delete | always |', '| sideways | Read, Delete | always |'))).toThrow('cannot read the row');
  });
});
