// `vpo doctor` and the backend's start-up check share this: gather the facts, run a probe
// session (y = x * x) on each provider whose files, driver and versions are in place, and judge.
// A provider is usable only when its probe session really ran: nothing is assumed from files alone.
import type { DiagnosedProvider } from '../../contract/execution-providers.ts';
import { RuntimeError } from '../errors.ts';
import { queryGpus } from '../gpu/nvidia-smi.ts';
import { bindingInfo, type ProbeResult, probeProvider } from '../inference/onnx-model.ts';
import { readCudaInstall } from '../inference/provider-install.ts';
import { type DoctorFacts, type GatherDeps, gatherFacts } from './facts.ts';
import { ldd, libraryFinder } from './shared-libraries.ts';
import { type Probes, type ProviderReport, probeCandidates, verdict } from './verdict.ts';

export interface DoctorOptions {
  /** Probe only these (the backend asks for the providers its sessions use); default all. */
  providers?: readonly DiagnosedProvider[];
  /** CUDA device to probe (the pod's GPU is 0). */
  deviceId?: number;
  env?: NodeJS.ProcessEnv;
  /** Stand-ins for tests; default: the machine. */
  gather?: (deps: GatherDeps) => DoctorFacts;
  probe?: (provider: DiagnosedProvider, deviceId?: number) => Promise<ProbeResult>;
}

export interface Diagnosis {
  facts: DoctorFacts;
  providers: ProviderReport[];
}

export function machineDeps(env: NodeJS.ProcessEnv): GatherDeps {
  return {
    binding: bindingInfo,
    install: (dir) => readCudaInstall(dir),
    ldd: (file) => ldd(file, env),
    find: libraryFinder(env.LD_LIBRARY_PATH),
    gpus: () => queryGpus(),
    env,
  };
}

export async function diagnose(options: DoctorOptions = {}): Promise<Diagnosis> {
  const env = options.env ?? process.env;
  const facts = (options.gather ?? gatherFacts)(machineDeps(env));
  const probe = options.probe ?? probeProvider;
  const wanted = options.providers;
  const probes: Probes = {};
  // One at a time: a provider that fails to load must not disturb another's probe.
  for (const p of probeCandidates(facts)) {
    if (wanted && !wanted.includes(p)) continue;
    probes[p] = await probe(p, p === 'cuda' ? options.deviceId : undefined);
  }
  return { facts, providers: verdict(facts, probes) };
}

/** A provider a hosted session needs cannot run here: the doctor's line, and its advice. */
export class ProviderUnavailableError extends RuntimeError<'ProviderUnavailable'> {
  readonly provider: DiagnosedProvider;
  readonly report: ProviderReport;
  constructor(provider: DiagnosedProvider, report: ProviderReport, users: string) {
    super(
      'ProviderUnavailable',
      `${users} needs ${provider}: ${report.summary}${report.advice ? ` (${report.advice.split('\n')[0]})` : ''}`,
    );
    this.name = 'ProviderUnavailableError';
    this.provider = provider;
    this.report = report;
  }
}

/**
 * Throws ProviderUnavailableError for the first provider in `needs` that cannot run here; `needs`
 * maps a provider to who needs it (e.g. "stage scene (session scene-classifier)"). Never falls
 * back: a cuda session on a machine without CUDA is refused, not run on the CPU.
 */
export async function requireProviders(
  needs: ReadonlyMap<DiagnosedProvider, string>,
  options: Omit<DoctorOptions, 'providers'> = {},
): Promise<void> {
  if (needs.size === 0) return;
  const { providers } = await diagnose({ ...options, providers: [...needs.keys()] });
  for (const [provider, users] of needs) {
    const report = providers.find((r) => r.name === provider)!;
    if (!report.usable) throw new ProviderUnavailableError(provider, report, users);
  }
}

/** Which providers the hosted stages need, and who: "stage scene (session scene-classifier)". */
export function providerNeeds(
  stages: readonly { name: string; session: string; executionProvider: DiagnosedProvider }[],
): Map<DiagnosedProvider, string> {
  const needs = new Map<DiagnosedProvider, string[]>();
  for (const s of stages)
    needs.set(s.executionProvider, [
      ...(needs.get(s.executionProvider) ?? []),
      `stage ${s.name} (session ${s.session})`,
    ]);
  return new Map([...needs].map(([p, users]) => [p, users.join(', ')]));
}
