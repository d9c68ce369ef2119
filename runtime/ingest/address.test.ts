import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAddressPolicy, embeddedIpv4 } from './address.ts';
import { createLimiter, LimiterFullError } from './limiter.ts';

test('loopback, private, link-local, metadata and unique-local addresses are forbidden', () => {
  const policy = createAddressPolicy({ allowPrivateNetworks: false });
  const forbidden = [
    '127.0.0.1',
    '127.9.9.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fd00::1',
    'fd00:ec2::254',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a9fe:a9fe',
    'not-an-ip',
  ];
  for (const address of forbidden) assert.equal(policy.forbids(address), true, address);
  for (const address of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    assert.equal(policy.forbids(address), false, address);
  }
});

test('IPv6 forms that embed an IPv4 address are judged by it', () => {
  const policy = createAddressPolicy({ allowPrivateNetworks: false });
  const forbidden = [
    '::127.0.0.1', // IPv4-compatible (::/96)
    '::7f00:1',
    '::a9fe:a9fe',
    '::10.0.0.1',
    '2002:7f00:1::', // 6to4 of 127.0.0.1
    '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
    '2002:c0a8:101::', // 6to4 of 192.168.1.1
    '64:ff9b::127.0.0.1', // NAT64 well-known prefix
    '64:ff9b::a00:1',
    '64:ff9b:1::808:808', // local-use NAT64: refused outright
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
  ];
  for (const address of forbidden) assert.equal(policy.forbids(address), true, address);
  for (const address of ['::8.8.8.8', '2002:808:808::', '64:ff9b::8.8.8.8', '2001:4860:4860::8888']) {
    assert.equal(policy.forbids(address), false, address);
  }
  assert.equal(embeddedIpv4('2002:c0a8:101::1'), '192.168.1.1');
  assert.equal(embeddedIpv4('::ffff:1.2.3.4'), '1.2.3.4');
  assert.equal(embeddedIpv4('64:ff9b::102:304'), '1.2.3.4');
  assert.equal(embeddedIpv4('::1'), undefined);
  assert.equal(embeddedIpv4('2606:4700::1111'), undefined);
});

test('allowPrivateNetworks opens private ranges but never the metadata addresses', () => {
  const policy = createAddressPolicy({ allowPrivateNetworks: true });
  for (const address of [
    '10.1.2.3',
    '192.168.1.1',
    '127.0.0.1',
    'fd12::1',
    '::ffff:10.0.0.1',
    '2002:a00:1::',
  ])
    assert.equal(policy.forbids(address), false, address);
  for (const address of [
    '169.254.169.254',
    '169.254.170.2',
    '100.100.100.200',
    'fd00:ec2::254',
    '::ffff:169.254.169.254',
    '::a9fe:a9fe',
    '2002:a9fe:a9fe::',
    '64:ff9b::169.254.169.254',
    'fe80::1',
  ])
    assert.equal(policy.forbids(address), true, address);
});

test('the limiter runs at most max tasks at once and refuses waiters beyond its queue', async () => {
  const limiter = createLimiter(2, 3);
  let running = 0;
  let peak = 0;
  const gates: Array<() => void> = [];
  const task = () =>
    limiter.run(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
    });
  const tasks = Array.from({ length: 5 }, task);
  await assert.rejects(task(), LimiterFullError);
  assert.equal(limiter.active, 2);
  assert.equal(limiter.waiting, 3);
  while (gates.length > 0 || limiter.active > 0) {
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(tasks);
  assert.equal(peak, 2);
});
