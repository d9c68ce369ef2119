import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import { connectionOf, type RoleDeps } from './role-parts.ts';

function file(kafka: Partial<RuntimeFile['kafka']>): RuntimeFile {
  return { kafka: { brokers: ['k:9093'], createTopics: false, ...kafka } } as unknown as RuntimeFile;
}
const deps = (extra: Partial<RoleDeps> = {}) => ({ clientId: 'c', ...extra }) as RoleDeps;
const sasl = { mechanism: 'scram-sha-512' as const, passwordEnv: 'P' };

test('SASL without TLS is refused unless the file allows it', () => {
  assert.throws(
    () => connectionOf(file({ sasl: { ...sasl, username: 'u' } }), deps({ saslPassword: 'p' })),
    /credentials in clear/,
  );
  const c = connectionOf(
    file({ sasl: { ...sasl, username: 'u' }, allowSaslWithoutTls: true }),
    deps({ saslPassword: 'p' }),
  );
  assert.deepEqual(c.sasl, { mechanism: 'scram-sha-512', username: 'u', password: 'p' });
});

test("a namespace principal's username comes from its variable, and must be set", () => {
  const f = file({ ssl: true, sasl: { ...sasl, usernameEnv: 'U' } });
  assert.equal(
    connectionOf(f, deps({ saslPassword: 'p', saslUsername: 'tenant-a' })).sasl?.username,
    'tenant-a',
  );
  assert.throws(() => connectionOf(f, deps({ saslPassword: 'p' })), /username environment variable U/);
});
