import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createForbiddenAddresses, isForbiddenAddress } from './address.ts';
import { createLimiter, LimiterFullError } from './limiter.ts';

test('loopback, private, link-local, metadata and unique-local addresses are forbidden', () => {
  const list = createForbiddenAddresses();
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
  for (const address of forbidden) assert.equal(isForbiddenAddress(list, address), true, address);
  for (const address of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    assert.equal(isForbiddenAddress(list, address), false, address);
  }
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
