// Whether the brokers answer: a cheap metadata request at an interval, for truthful readiness.
// kafkajs reconnects silently for a long time (it retries forever for consumers), so a process
// that lost its broker keeps looking healthy unless something asks the broker directly.
import type { Admin } from 'kafkajs';
import type { KafkaClient } from './connection.ts';

export interface BrokerProbe {
  /** True when the last probe (within `staleAfterMs`) got an answer. */
  reachable(): boolean;
  close(): Promise<void>;
}

export interface BrokerProbeOptions {
  intervalMs: number;
  /** A probe not answered within this counts as a failure. */
  timeoutMs: number;
  nowMs: () => number;
}

export function startBrokerProbe(kafka: KafkaClient, options: BrokerProbeOptions): BrokerProbe {
  // No retries inside a probe: the next probe is the retry.
  const admin: Admin = kafka.admin({ retry: { retries: 0 } });
  let connected: Promise<void> | undefined;
  let lastAnswerMs = options.nowMs();
  let inFlight = false;
  let closed = false;
  const probe = async () => {
    if (inFlight || closed) return;
    inFlight = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      connected ??= admin.connect();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('probe timed out')), options.timeoutMs);
      });
      await Promise.race([connected.then(() => admin.describeCluster()), timeout]);
      lastAnswerMs = options.nowMs();
    } catch {
      // Unanswered: reachable() turns false once the last answer is stale; reconnect next time.
      connected = undefined;
    } finally {
      clearTimeout(timer);
      inFlight = false;
    }
  };
  const timer = setInterval(() => void probe(), options.intervalMs);
  timer.unref();
  return {
    reachable: () => options.nowMs() - lastAnswerMs <= options.intervalMs + options.timeoutMs,
    async close() {
      closed = true;
      clearInterval(timer);
      await admin.disconnect();
    },
  };
}
