// `vpo acls -f PATH [-f PATH...] [--operator-principal User:NAME] [--principal User:vpo-{namespace}]`:
// prints the kafka-acls.sh commands of least privilege for the pipelines in the manifests: one
// principal per namespace (its pipelines' topics and groups only) and the operator's own
// (operator/kafka/acls.ts; docs/install.md "Kafka ACLs"). Exit 1 on unreadable input.
import { parseArgs } from 'node:util';
import { pipelineTopics } from '../../contract/topic-names.ts';
import { loadManifests } from '../api/manifests.ts';
import { aclCommands, namespaceAcls, operatorAcls } from '../kafka/acls.ts';

const usage =
  'usage: vpo acls -f PATH [-f PATH...] [--operator-principal User:vpo-operator] [--principal User:vpo-{namespace}]';

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export async function aclsCommand(
  argv: string[],
  io: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
): Promise<number> {
  let values: { filename?: string[]; 'operator-principal'?: string; principal?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        'operator-principal': { type: 'string', default: 'User:vpo-operator' },
        principal: { type: 'string', default: 'User:vpo-{namespace}' },
      },
      strict: true,
    }));
    if (!values.filename?.length) throw new Error('-f PATH is required');
  } catch (error) {
    io.stderr(`vpo acls: ${(error as Error).message}\n${usage}\n`);
    return 1;
  }
  let manifests: ReturnType<typeof loadManifests>;
  try {
    manifests = loadManifests(values.filename);
  } catch (error) {
    io.stderr(`vpo acls: ${(error as Error).message}\n`);
    return 1;
  }
  const named = new Map<string, string[]>();
  for (const p of manifests.pipelines) {
    const namespace = p.metadata.namespace ?? 'default';
    const t = pipelineTopics({
      namespace,
      name: p.metadata.name,
      stages: [],
      ...(p.spec.source?.kafkaTopic ? { sourceTopic: p.spec.source.kafkaTopic } : {}),
      ...(p.spec.output?.kafkaTopic ? { outputTopic: p.spec.output.kafkaTopic } : {}),
      ...(p.spec.deadLetter?.kafkaTopic ? { deadLetterTopic: p.spec.deadLetter.kafkaTopic } : {}),
    });
    named.set(namespace, [...(named.get(namespace) ?? []), t.source, t.output, t.deadLetter]);
  }
  const lines = [`# the operator: ${values['operator-principal']}`];
  lines.push(...aclCommands(operatorAcls(values['operator-principal']!, [...named.values()].flat())));
  for (const [namespace, topics] of [...named.entries()].sort()) {
    const principal = values.principal!.replaceAll('{namespace}', namespace);
    lines.push(
      `# namespace ${namespace}: ${principal} (its Secret vpo-kafka-runtime holds username and password)`,
    );
    lines.push(...aclCommands(namespaceAcls(principal, namespace, topics)));
  }
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}
