import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PodLike, podLaunch, referencedSecrets, remapPath } from './pod-launch.ts';

const pod: PodLike = {
  metadata: { name: 'vp-b0-abc', namespace: 'media', uid: 'u1' },
  spec: { nodeName: 'gpu-a100-0', containers: [] },
};
const container = {
  name: 'backend',
  image: 'ghcr.io/vpo-dev/vpo:0.1.0',
  args: [
    'runtime',
    '--config',
    '/etc/vpo/config.json',
    '--frame-store=/var/lib/vpo/frames',
    '--host',
    '0.0.0.0',
    '--port',
    '8080',
  ],
  env: [
    { name: 'DIR', value: '/var/lib/vpo/frames/x' },
    { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'WHO', value: '$(POD)-me' },
  ],
  ports: [{ containerPort: 8080 }],
};
const image = {
  entrypoint: ['/usr/bin/node', '/src/bin/vpo.ts'],
  extraArgs: (args: string[]) => (args[0] === 'runtime' ? ['--model-root', '/src/m'] : []),
};
const mounts = { '/etc/vpo': '/h/config', '/var/lib/vpo/frames': '/h/frames', '/tmp': '/h/tmp' };

test('args under the entrypoint: mount paths, the declared port and 0.0.0.0 are remapped', () => {
  const launch = podLaunch(pod, container, image, mounts, { 8080: 41000 }, { PATH: '/bin' });
  assert.equal(launch.command, '/usr/bin/node');
  assert.deepEqual(launch.args, [
    '/src/bin/vpo.ts',
    'runtime',
    '--config',
    '/h/config/config.json',
    '--frame-store=/h/frames',
    '--host',
    '127.0.0.1',
    '--port',
    '41000',
    '--model-root',
    '/src/m',
  ]);
  assert.deepEqual(launch.env, {
    PATH: '/bin',
    DIR: '/h/frames/x',
    POD: 'vp-b0-abc',
    WHO: 'vp-b0-abc-me',
    TMPDIR: '/h/tmp',
  });
});

test('a command replaces the entrypoint; a port not declared stays as it is', () => {
  const launch = podLaunch(
    pod,
    { ...container, command: ['vpo'], args: ['--port', '9090'] },
    image,
    {},
    { 8080: 1 },
    {},
  );
  assert.equal(launch.command, 'vpo');
  assert.deepEqual(launch.args, ['--port', '9090']);
});

test('remapPath matches whole path segments only, longest mount first', () => {
  const m = { '/var/lib': '/a', '/var/lib/vpo': '/b' };
  assert.equal(remapPath('/var/lib/vpo/x', m), '/b/x');
  assert.equal(remapPath('/var/libx', m), '/var/libx');
  assert.equal(remapPath('/var/lib', m), '/a');
  assert.equal(remapPath('relative/var/lib', m), 'relative/var/lib');
});

test('env from secretKeyRef takes the Secret’s value (never remapped); a missing key does not start', () => {
  const withSecret = {
    ...container,
    env: [{ name: 'KEY', valueFrom: { secretKeyRef: { name: 's3', key: 'secretAccessKey' } } }],
  };
  assert.deepEqual(referencedSecrets(withSecret), ['s3']);
  const launch = podLaunch(
    pod,
    withSecret,
    image,
    mounts,
    {},
    {},
    { s3: { secretAccessKey: '/tmp/not-a-path' } },
  );
  assert.equal(launch.env.KEY, '/tmp/not-a-path');
  assert.throws(() => podLaunch(pod, withSecret, image, mounts, {}, {}, { s3: {} }), /secret s3 has no key/);
});
