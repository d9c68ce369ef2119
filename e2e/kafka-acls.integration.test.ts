/**
 * Least privilege on a broker with SASL/SCRAM and ACLs: the ACLs vpo documents (operator/kafka/
 * acls.ts) let the operator's principal create the pipelines' topics, and a namespace's runtime
 * principal run its own pipeline through the runtime's Kafka transport, while it can neither
 * create topics nor read or write another namespace's topics or groups.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { pipelineTopics } from '../contract/topic-names.ts';
import { createKafkaAdmin } from '../kafka/admin.ts';
import { createKafkaClient, type KafkaConnection } from '../kafka/connection.ts';
import { type AclEntry, namespaceAcls, operatorAcls } from '../operator/kafka/acls.ts';
import { systemClock } from '../runtime/clock.ts';
import { KafkaTransport } from '../runtime/transport/kafka/kafka-transport.ts';
import type { StageMessage } from '../runtime/transport/transport.ts';
import { ingested, quietLogger, testConfig, testSettings } from './kafka-support/harness.ts';
import { startSaslBroker } from './kafka-support/sasl-broker.ts';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/** Whether an error (or one it aggregates) is the broker refusing authorisation. */
function denied(error: unknown): boolean {
  const e = error as {
    message?: string;
    type?: string;
    errors?: unknown[];
    cause?: unknown;
    originalError?: unknown;
  };
  const text = `${e?.type ?? ''} ${e?.message ?? ''}`;
  return (
    /authoriz/i.test(text) ||
    (e?.errors ?? []).some(denied) ||
    (e?.cause !== undefined && denied(e.cause)) ||
    (e?.originalError !== undefined && denied(e.originalError))
  );
}

function toKafkajs(entries: AclEntry[]) {
  const operation = (o: string) =>
    AclOperationTypes[o.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() as 'READ'];
  return entries.flatMap((e) =>
    e.operations.map((o) => ({
      resourceType: AclResourceTypes[e.resourceType.toUpperCase() as 'TOPIC'],
      resourceName: e.resourceName,
      resourcePatternType: ResourcePatternTypes[e.patternType.toUpperCase() as 'LITERAL'],
      principal: e.principal,
      host: '*',
      operation: operation(o),
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
}

test("a namespace's principal runs its pipeline and reaches nothing else", { timeout: 240_000 }, async () => {
  const broker = await startSaslBroker(['operator', 'tenant-a', 'tenant-b']);
  const connection = (user: string): KafkaConnection => ({
    brokers: [broker.bootstrap],
    clientId: `it-acl-${user}`,
    sasl: { mechanism: 'scram-sha-512', username: user, password: broker.password(user) },
  });
  const closers: (() => Promise<void>)[] = [];
  try {
    const admin = createKafkaClient(connection('admin')).admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    await admin.createAcls({
      acl: toKafkajs([
        ...operatorAcls('User:operator'),
        ...namespaceAcls('User:tenant-a', 'a'),
        ...namespaceAcls('User:tenant-b', 'b'),
      ]),
    });
    const topicsOf = (ns: string) => pipelineTopics({ namespace: ns, name: 'p', stages: ['s'] });
    const a = topicsOf('a');
    const b = topicsOf('b');

    // The operator's principal creates both namespaces' topics; a tenant's cannot.
    const operator = await createKafkaAdmin(connection('operator'));
    closers.push(() => operator.close());
    const all = (t: ReturnType<typeof topicsOf>) => [t.source, t.stages.s!, t.output, t.deadLetter];
    await operator.ensureTopics([...all(a), ...all(b)].map((topic) => ({ topic, partitions: 2 })));
    const tenantB = await createKafkaAdmin(connection('tenant-b'));
    closers.push(() => tenantB.close());
    await assert.rejects(tenantB.ensureTopics([{ topic: 'vpo.b.p.stage.extra', partitions: 1 }]), denied);

    // Tenant a's pipeline runs on the runtime's own transport with its principal.
    const base = testConfig();
    const config = { ...base, pipeline: { namespace: 'a', name: 'p' } };
    const transport = await KafkaTransport.connect({
      connection: connection('tenant-a'),
      settings: testSettings(config, 2),
      topics: { deadLetter: a.deadLetter, output: a.output },
      retry: { maxRetries: 1, backoffMs: 10 },
      gateOutput: true,
      groupPrefix: 'vpo.a.p',
      clock: systemClock,
      logger: quietLogger,
    });
    closers.push(() => transport.close());
    const received: StageMessage[] = [];
    await transport.subscribe(a.stages.s!, 'vpo.a.p.s', async (ms) => {
      received.push(...ms);
      await transport.publish(a.output, ms);
    });
    await transport.publish(a.stages.s!, [ingested('video-a')]);
    const deadline = Date.now() + 60_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      received.map((m) => m.videoId),
      ['video-a'],
    );

    // Tenant a can neither write nor read namespace b's topics, nor use its groups.
    const intruder = createKafkaClient(connection('tenant-a'));
    const producer = intruder.producer({ retry: { retries: 0 } });
    await producer.connect();
    closers.push(() => producer.disconnect());
    await assert.rejects(
      producer.send({ topic: b.stages.s!, messages: [{ key: 'x', value: '{}' }] }),
      denied,
    );
    const spy = intruder.admin({ retry: { retries: 0 } });
    await spy.connect();
    closers.push(() => spy.disconnect());
    // It does not even see them, and b's consumer groups are closed to it.
    assert.deepEqual(
      (await spy.listTopics()).filter((t) => t.startsWith('vpo.b.')),
      [],
    );
    // Its own group answers; b's does not (kafkajs reports the broker's GROUP_AUTHORIZATION_FAILED
    // on FindCoordinator as "failed to find group coordinator").
    await spy.fetchOffsets({ groupId: 'vpo.a.p.s', topics: [a.stages.s!] });
    await assert.rejects(spy.fetchOffsets({ groupId: 'vpo.b.p.s', topics: [a.stages.s!] }));
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await broker.destroy();
  }
});
