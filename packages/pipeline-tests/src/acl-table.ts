import fs from 'node:fs';
import path from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, type AclEntry, ResourcePatternTypes } from '@streamtally/kafka-client';

const README = path.resolve(__dirname, '../../../README.md');

export interface AclRow {
  principal: string;
  resource: 'Topic' | 'Group' | 'Cluster';
  name: string;
  pattern: 'literal' | 'prefixed';
  operations: string[];
  needed: 'always' | 'create';
}

/**
 * The README's ACL table, row by row: the secured pipeline test grants exactly these, so the
 * table stays what the services need. A row that does not parse fails the test, naming it.
 */
export function readAclTable(readme = fs.readFileSync(README, 'utf8')): AclRow[] {
  const start = readme.indexOf('<!-- acl-table');
  const end = readme.indexOf('<!-- end of acl-table -->');
  if (start < 0 || end < start) throw new Error('README.md has no <!-- acl-table --> … <!-- end of acl-table --> section');
  const lines = readme
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2); // the header and its rule
  return lines.map((line) => {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const [principal, resource, name, pattern, operations, needed] = cells;
    const row = {
      principal: principal!,
      resource: resource as AclRow['resource'],
      name: name!.replace(/`/g, ''),
      pattern: pattern as AclRow['pattern'],
      operations: operations!.split(',').map((o) => o.trim()),
      needed: needed as AclRow['needed'],
    };
    if (!['Topic', 'Group', 'Cluster'].includes(row.resource) || !['literal', 'prefixed'].includes(row.pattern) || !['always', 'create'].includes(row.needed)) {
      throw new Error(`README.md ACL table: cannot read the row ${line}`);
    }
    return row;
  });
}

const OPERATIONS: Record<string, AclOperationTypes> = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Create: AclOperationTypes.CREATE,
  Delete: AclOperationTypes.DELETE,
  Describe: AclOperationTypes.DESCRIBE,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  Alter: AclOperationTypes.ALTER,
};
const RESOURCES = { Topic: AclResourceTypes.TOPIC, Group: AclResourceTypes.GROUP, Cluster: AclResourceTypes.CLUSTER } as const;

/**
 * The rows as kafkajs ACL entries, for the principals given (principal name in the table →
 * the user it is in the test), with the default names replaced by the test's own.
 */
export function aclEntries(rows: AclRow[], options: { principals: Record<string, string>; names: Record<string, string>; create: boolean }): AclEntry[] {
  return rows
    .filter((row) => row.needed === 'always' || options.create)
    .filter((row) => options.principals[row.principal] !== undefined)
    .flatMap((row) =>
      row.operations.map((operation) => {
        const code = OPERATIONS[operation];
        if (code === undefined) throw new Error(`README.md ACL table: unknown operation ${operation}`);
        return {
          resourceType: RESOURCES[row.resource],
          resourceName: options.names[row.name] ?? row.name,
          resourcePatternType: row.pattern === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
          principal: `User:${options.principals[row.principal]}`,
          host: '*',
          operation: code,
          permissionType: AclPermissionTypes.ALLOW,
        };
      }),
    );
}
