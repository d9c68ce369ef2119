import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aclsCommand } from '../cli/acls-command.ts';
import { aclCommands, namespaceAcls, operatorAcls } from './acls.ts';

test("a namespace's principal gets its prefix, and literal ACLs only for topics its pipelines name outside it", () => {
  const acls = namespaceAcls('User:t', 'media', [
    'vpo.media.p.results',
    'videos.incoming',
    'videos.incoming',
  ]);
  assert.deepEqual(
    acls.map((a) => [a.resourceType, a.resourceName, a.patternType, a.operations.join(',')]),
    [
      ['Topic', 'vpo.media.', 'Prefixed', 'Read,Write,Describe'],
      ['Topic', 'videos.incoming', 'Literal', 'Read,Write,Describe'],
      ['Group', 'vpo.media.', 'Prefixed', 'Read,Describe'],
    ],
  );
  // Never another namespace's prefix, never topic creation.
  assert.ok(acls.every((a) => !a.operations.includes('Create') && !a.operations.includes('Delete')));
});

test('the operator manages topics but neither writes stage traffic nor joins stage groups', () => {
  const acls = operatorAcls('User:op');
  assert.ok(acls.every((a) => !a.operations.includes('Write')));
  const groups = acls.filter((a) => a.resourceType === 'Group');
  assert.deepEqual(
    groups.map((g) => [g.resourceName, g.operations.join(',')]),
    [
      ['vpo.', 'Describe'],
      ['vpo-operator-', 'Read,Describe'],
    ],
  );
  assert.match(
    aclCommands(acls)[0]!,
    /--allow-principal 'User:op' --operation Create .* --topic 'vpo\.' --resource-pattern-type prefixed/,
  );
});

test('vpo acls prints the commands for every namespace in the manifests', async () => {
  let out = '';
  const code = await aclsCommand(
    ['-f', new URL('../../samples/video-classifier', import.meta.url).pathname],
    {
      stdout: (s) => {
        out += s;
      },
      stderr: () => {},
    },
  );
  assert.equal(code, 0);
  assert.match(out, /# namespace default: User:vpo-default/);
  assert.match(
    out,
    /--allow-principal 'User:vpo-default' .*--topic 'vpo\.default\.' --resource-pattern-type prefixed/,
  );
  assert.match(out, /--topic 'videos\.incoming' --resource-pattern-type literal/);
});
