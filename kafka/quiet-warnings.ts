// kafkajs 2.2 schedules its request queue's check with a negative delay (throttledUntil = -1,
// minus now) on every connection; Node 24 then prints "TimeoutNegativeWarning: -1795… is a
// negative number" to every vpo process's log and uses 1 ms, as kafkajs meant. That one warning,
// raised from inside kafkajs, is dropped; every other warning goes to Node's handlers as before.
import type { EventEmitter } from 'node:events';

export function isKafkajsNegativeTimeout(warning: Error): boolean {
  return warning.name === 'TimeoutNegativeWarning' && /[/\\]kafkajs[/\\]/.test(warning.stack ?? '');
}

const installed = new WeakSet<object>();

/** Puts the filter in front of the process's own 'warning' listeners (once per process). */
export function quietKafkajsTimeoutWarnings(
  proc: Pick<EventEmitter, 'listeners' | 'removeAllListeners' | 'on'> = process,
): void {
  if (installed.has(proc)) return;
  installed.add(proc);
  const handlers = proc.listeners('warning') as ((warning: Error) => void)[];
  proc.removeAllListeners('warning');
  proc.on('warning', (warning: Error) => {
    if (isKafkajsNegativeTimeout(warning)) return;
    for (const handle of handlers) handle(warning);
  });
}
