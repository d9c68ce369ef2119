// Which consumer of a stage's group reads which partitions (pure): pods get partitions in
// proportion to the rate the plan gave them (contract/partition-shares.ts), so a saturated pod
// receives its full rate and a packed pod its residual, not Kafka's even split; a pod's share is
// then dealt round robin over its consumers. The Kafka assignor (runtime/transport/kafka/
// rate-assignor.ts) and the simulator (simulate/) both call this.
import { apportion } from '../../contract/partition-shares.ts';

export interface GroupMemberRate {
  memberId: string;
  /** Members of one pod share its rate; absent = the member is a pod of its own. */
  pod?: string;
  /** The pod's planned rate for the stage; absent or 0 = unknown. */
  rateVps?: number;
  /** What the pod can take for the stage; absent = no bound known. */
  capacityVps?: number;
}

export interface PodShare {
  pod: string;
  /** The weight used: the declared rate, or the mean declared rate for a pod that declares none. */
  weightVps: number;
  /** The declared capacity (rounding never pushes the pod past it while another has room). */
  capacityVps: number;
  members: string[];
}

/**
 * Pods in a stable order (by id), weighted by declared rate. Pods without a rate weigh the mean
 * of the declared ones (all equal when none declares): an undeclared consumer (an older pod, a
 * `--stages` backend) still gets a fair share instead of none or all.
 */
export function podShares(members: readonly GroupMemberRate[]): PodShare[] {
  const pods = new Map<string, { rates: number[]; capacities: number[]; members: string[] }>();
  for (const m of members) {
    const id = m.pod ?? `member:${m.memberId}`;
    const pod = pods.get(id) ?? { rates: [], capacities: [], members: [] };
    pod.members.push(m.memberId);
    if (m.rateVps !== undefined && m.rateVps > 0) pod.rates.push(m.rateVps);
    if (m.capacityVps !== undefined && m.capacityVps > 0) pod.capacities.push(m.capacityVps);
    pods.set(id, pod);
  }
  const declared = [...pods.values()].filter((p) => p.rates.length > 0).map((p) => Math.max(...p.rates));
  const fallback = declared.length > 0 ? declared.reduce((a, b) => a + b, 0) / declared.length : 1;
  return [...pods.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([pod, p]) => ({
      pod,
      weightVps: p.rates.length > 0 ? Math.max(...p.rates) : fallback,
      capacityVps: p.capacities.length > 0 ? Math.max(...p.capacities) : Number.POSITIVE_INFINITY,
      members: [...p.members].sort(),
    }));
}

/**
 * Partitions of every topic per member: each topic's partitions are apportioned to pods by
 * weight (rounding within capacities), in contiguous runs, then dealt round robin to the pod's
 * members.
 */
export function assignByRate(
  members: readonly GroupMemberRate[],
  topics: readonly { topic: string; partitions: readonly number[] }[],
): Map<string, Record<string, number[]>> {
  const result = new Map<string, Record<string, number[]>>(members.map((m) => [m.memberId, {}]));
  const pods = podShares(members);
  for (const { topic, partitions } of topics) {
    const sorted = [...partitions].sort((a, b) => a - b);
    const counts = apportion(
      pods.map((p) => p.weightVps),
      sorted.length,
      pods.map((p) => p.capacityVps),
    );
    let at = 0;
    pods.forEach((pod, i) => {
      const mine = sorted.slice(at, at + counts[i]!);
      at += counts[i]!;
      mine.forEach((partition, k) => {
        const member = pod.members[k % pod.members.length]!;
        const assigned = result.get(member)!;
        assigned[topic] = [...(assigned[topic] ?? []), partition];
      });
    });
  }
  return result;
}
