// `--toleration key=value:Effect` (Equal) or `key:Effect` (Exists), repeatable: taints of the
// cluster's GPU nodes besides nvidia.com/gpu, which backend pods always tolerate.
import type { Toleration } from './render/options.ts';

const effects: Toleration['effect'][] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function parseToleration(text: string): Toleration {
  const colon = text.lastIndexOf(':');
  const effect = text.slice(colon + 1) as Toleration['effect'];
  if (colon < 1 || !effects.includes(effect))
    throw new Error(
      `--toleration must be key=value:Effect or key:Effect (${effects.join('|')}), got ${text}`,
    );
  const taint = text.slice(0, colon);
  const eq = taint.indexOf('=');
  const key = eq < 0 ? taint : taint.slice(0, eq);
  if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(key))
    throw new Error(`--toleration: bad taint key ${JSON.stringify(key)} in ${text}`);
  return eq < 0
    ? { key, operator: 'Exists', effect }
    : { key, operator: 'Equal', value: taint.slice(eq + 1), effect };
}
