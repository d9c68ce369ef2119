// The Kafka ACLs of least privilege (pure): what the operator's principal needs, and what one
// namespace's runtime principal needs, derived from the same topic names the operator creates.
// A namespace is a tenant: its principal may read and write only its pipelines' topics (the
// `vpo.<namespace>.` prefix, plus any source, output or dead-letter topic a pipeline names) and use
// only its consumer groups (the same prefix). The operator creates, grows and deletes topics and
// reads lag and the newest output records; it never produces or consumes stage traffic.
import { topicPrefix } from '../../contract/topic-names.ts';

export type AclOperation = 'Read' | 'Write' | 'Describe' | 'Create' | 'Alter' | 'Delete' | 'DescribeConfigs';

export interface AclEntry {
  principal: string;
  resourceType: 'Topic' | 'Group' | 'Cluster';
  resourceName: string;
  patternType: 'Literal' | 'Prefixed';
  operations: AclOperation[];
}

/** `vpo.<namespace>.`: every topic and group vpo names for this namespace starts with it. */
export function namespacePrefix(namespace: string): string {
  return topicPrefix(namespace, '');
}

/** A namespace's runtime principal: its prefix, and the topics its pipelines name outside it. */
export function namespaceAcls(principal: string, namespace: string, namedTopics: string[] = []): AclEntry[] {
  const prefix = namespacePrefix(namespace);
  const readWrite: AclOperation[] = ['Read', 'Write', 'Describe'];
  const outside = [...new Set(namedTopics.filter((t) => !t.startsWith(prefix)))].sort();
  return [
    {
      principal,
      resourceType: 'Topic',
      resourceName: prefix,
      patternType: 'Prefixed',
      operations: readWrite,
    },
    ...outside.map((t) => ({
      principal,
      resourceType: 'Topic' as const,
      resourceName: t,
      patternType: 'Literal' as const,
      operations: readWrite,
    })),
    // Stage groups and the output gate's reader groups: `vpo.<ns>.<pipeline>.…`.
    {
      principal,
      resourceType: 'Group',
      resourceName: prefix,
      patternType: 'Prefixed',
      operations: ['Read', 'Describe'],
    },
  ];
}

/** The operator's principal: topics it creates and grows, lag it reads, recent output it reads. */
export function operatorAcls(principal: string, namedTopics: string[] = []): AclEntry[] {
  const manage: AclOperation[] = ['Create', 'Alter', 'Delete', 'Describe', 'DescribeConfigs', 'Read'];
  return [
    { principal, resourceType: 'Topic', resourceName: 'vpo.', patternType: 'Prefixed', operations: manage },
    ...[...new Set(namedTopics.filter((t) => !t.startsWith('vpo.')))].sort().map((t) => ({
      principal,
      resourceType: 'Topic' as const,
      resourceName: t,
      patternType: 'Literal' as const,
      operations: manage,
    })),
    // Lag of the pipelines' groups; its own throwaway groups reading recent output records.
    {
      principal,
      resourceType: 'Group',
      resourceName: 'vpo.',
      patternType: 'Prefixed',
      operations: ['Describe'],
    },
    {
      principal,
      resourceType: 'Group',
      resourceName: 'vpo-operator-',
      patternType: 'Prefixed',
      operations: ['Read', 'Describe'],
    },
  ];
}

/** As `kafka-acls.sh` commands a platform administrator runs (BOOTSTRAP and CONFIG as placeholders). */
export function aclCommands(entries: AclEntry[]): string[] {
  return entries.map((e) => {
    const resource =
      e.resourceType === 'Cluster'
        ? '--cluster'
        : `--${e.resourceType.toLowerCase()} '${e.resourceName}' --resource-pattern-type ${e.patternType.toLowerCase()}`;
    const ops = e.operations.map((o) => `--operation ${o}`).join(' ');
    return `kafka-acls.sh --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --add --allow-principal '${e.principal}' ${ops} ${resource}`;
  });
}
