import { AclGrant, AclOperation, CLUSTER_RESOURCE, PrincipalAcls } from './kafka-acls';

/** The forms `npm run acls` prints the ACLs in. */
export const ACL_FORMATS = ['confluent', 'kafka-acls', 'json'] as const;
export type AclFormat = (typeof ACL_FORMATS)[number];

/** The ACLs in one of the forms users apply: Confluent CLI commands, Apache Kafka's kafka-acls.sh commands, or JSON. */
export function renderAcls(acls: readonly PrincipalAcls[], format: AclFormat): string {
  if (format === 'json') return `${JSON.stringify(acls, null, 2)}\n`;
  const lines: string[] = [];
  for (const { principal, clients, grants } of acls) {
    lines.push(`# ${principal}: ${clients.join(', ')}`);
    for (const grant of grants) {
      lines.push(`# ${grant.why}`);
      lines.push(format === 'confluent' ? confluentCommand(principal, grant) : kafkaAclsCommand(principal, grant));
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** `confluent kafka acl create` (Confluent CLI 3 and 4): one command per resource, the operations comma-separated. */
function confluentCommand(principal: string, grant: AclGrant): string {
  const { resource } = grant;
  const target = resource.type === 'cluster' ? '--cluster-scope'
    : `--${resource.type === 'group' ? 'consumer-group' : resource.type} ${shellWord(resource.name)}${resource.pattern === 'prefixed' ? ' --prefix' : ''}`;
  return `confluent kafka acl create --allow --principal ${shellWord(principal)} --operations ${grant.operations.join(',')} ${target}`;
}

/** Apache Kafka's `kafka-acls.sh --add` (the bootstrap server and admin config are the user's). */
function kafkaAclsCommand(principal: string, grant: AclGrant): string {
  const { resource } = grant;
  const target = resource.type === 'cluster' ? '--cluster'
    : `--${resource.type === 'transactional-id' ? 'transactional-id' : resource.type} ${shellWord(resource.name)}${resource.pattern === 'prefixed' ? ' --resource-pattern-type prefixed' : ''}`;
  const operations = grant.operations.map((op) => `--operation ${kafkaAclsOperation(op)}`).join(' ');
  return `kafka-acls.sh --bootstrap-server "$BOOTSTRAP" --command-config admin.properties --add --allow-principal ${shellWord(principal)} ${operations} ${target}`;
}

function kafkaAclsOperation(operation: AclOperation): string {
  return operation.split('-').map((part) => part[0].toUpperCase() + part.slice(1)).join('');
}

/** Names are topic, group and principal names: quote only what a shell would read otherwise. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._:@/=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** One ACL line per principal, resource and operation (Kafka's operation names), for comparing two outputs (the plan). */
export function aclLines(acls: readonly PrincipalAcls[]): string[] {
  return acls.flatMap(({ principal, grants }) => grants.flatMap(({ resource, operations }) => operations.map((op) => {
    const name = resource.type === 'cluster' ? CLUSTER_RESOURCE : `${resource.pattern === 'prefixed' ? `${resource.name}*` : resource.name}`;
    return `${principal} ${op.toUpperCase().replace(/-/g, '_')} ${resource.type} ${name}`;
  })));
}
