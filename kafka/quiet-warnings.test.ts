import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { isKafkajsNegativeTimeout, quietKafkajsTimeoutWarnings } from './quiet-warnings.ts';

const warning = (name: string, stack: string) => Object.assign(new Error('w'), { name, stack });
const fromKafkajs = warning(
  'TimeoutNegativeWarning',
  'TimeoutNegativeWarning: -1795 is a negative number.\n    at new Timeout (node:internal/timers:195:17)\n    at RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:45)',
);
const fromUs = warning(
  'TimeoutNegativeWarning',
  'TimeoutNegativeWarning\n    at sleep (/app/runtime/x.ts:1:1)',
);
const other = warning(
  'DeprecationWarning',
  'DeprecationWarning\n    at /app/node_modules/kafkajs/src/index.js:1:1',
);

test('only the negative timeout raised inside kafkajs is dropped', () => {
  assert.equal(isKafkajsNegativeTimeout(fromKafkajs), true);
  assert.equal(isKafkajsNegativeTimeout(fromUs), false, 'our own would be a bug: it still prints');
  assert.equal(isKafkajsNegativeTimeout(other), false);
});

test('the filter sits in front of the existing warning handlers, once', () => {
  const proc = new EventEmitter();
  const printed: string[] = [];
  proc.on('warning', (w: Error) => printed.push(w.stack ?? ''));
  quietKafkajsTimeoutWarnings(proc);
  quietKafkajsTimeoutWarnings(proc);
  for (const w of [fromKafkajs, fromUs, other]) proc.emit('warning', w);
  assert.deepEqual(printed, [fromUs.stack, other.stack]);
});
