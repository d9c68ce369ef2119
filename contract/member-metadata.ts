// What a backend pod's consumer tells its consumer group when it joins (the user data of its
// group membership): the pod it belongs to, its backend group, the rate the plan gave the pod for
// the stage, and the plan generation it runs. The group leader's partition assignor weighs pods by
// the rate (docs/kafka.md "Rates as planned"); the operator reads the generation of every member
// (status.observed.planRollout). Pure codec, JSON so both sides stay readable in a tcpdump.

export interface MemberDeclaration {
  /** One id per process: a pod's consumers of one stage share it and split the pod's share. */
  pod: string;
  /** Backend group (the plan's name), `local` for `--stages`. */
  backend: string;
  /** Videos per second the plan gave this pod for the stage; 0 = no planned rate (even share). */
  rateVps: number;
  /**
   * What the pod can take for the stage (planned batch per duty cycle); 0 = unknown. Rounding to
   * whole partitions never pushes a pod past it while another has room.
   */
  capacityVps?: number;
  /** status.plan.generation of the settings the pod runs. */
  planGeneration: number;
}

const VERSION = 1;

export function encodeMemberDeclaration(d: MemberDeclaration): Buffer {
  return Buffer.from(JSON.stringify({ v: VERSION, ...d }));
}

/** The declaration in a member's user data, or undefined (another client, or a newer format). */
export function decodeMemberDeclaration(userData: Buffer | undefined): MemberDeclaration | undefined {
  if (!userData || userData.length === 0) return undefined;
  try {
    const v = JSON.parse(userData.toString('utf8')) as Record<string, unknown>;
    if (v.v !== VERSION || typeof v.pod !== 'string' || typeof v.backend !== 'string') return undefined;
    const rateVps = Number(v.rateVps);
    const capacityVps = Number(v.capacityVps);
    const planGeneration = Number(v.planGeneration);
    return {
      pod: v.pod,
      backend: v.backend,
      rateVps: Number.isFinite(rateVps) && rateVps > 0 ? rateVps : 0,
      ...(Number.isFinite(capacityVps) && capacityVps > 0 ? { capacityVps } : {}),
      planGeneration: Number.isInteger(planGeneration) ? planGeneration : 0,
    };
  } catch {
    return undefined;
  }
}
