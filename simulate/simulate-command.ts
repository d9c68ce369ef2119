// `vpo simulate -f PATH [-f PATH…] [--nodes NODES.yaml] [--duration-s 600]
// [--arrivals poisson|uniform|bursty] [--load-factor X] [--seed N] [--plan-for poisson|steady]
// [-o table|json]`: plans the manifests as `vpo plan` does (for the same --plan-for), then runs the plan in a discrete-event simulation offered X times
// each pipeline's load (spec.load, the TARGET the plan serves; X = peakFactor is the planned
// peak) (docs/API.md). Exit 0 when every input parsed (an infeasible plan is reported,
// not simulated), 1 on bad input or arguments, with one line naming what is wrong.
import { parseArgs } from 'node:util';
import { clusterNodes, loadManifests, ManifestError } from '../operator/api/manifests.ts';
import { inventoryFromNodes } from '../operator/api/to-planner.ts';
import { DEFAULT_PLAN_FOR, PLAN_FOR, type PlanFor } from '../operator/planner/types.ts';
import { ARRIVAL_PATTERNS, type ArrivalPattern } from './arrivals.ts';
import { simulateAll } from './simulate-all.ts';
import { renderSimulationTable } from './simulate-table.ts';

const usage =
  'usage: vpo simulate -f PATH [-f PATH...] [--nodes NODES.yaml] [--duration-s 600] [--arrivals poisson|uniform|bursty] [--load-factor X] [--seed N] [--plan-for poisson|steady] [-o table|json]';

export interface SimulateCommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  now: () => Date;
}

const defaultIo: SimulateCommandIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  now: () => new Date(),
};

class UsageError extends Error {}

function positive(name: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value)))
    throw new UsageError(
      `${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(text)}`,
    );
  return value;
}

function parse(argv: string[]) {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        nodes: { type: 'string' },
        'duration-s': { type: 'string', default: '600' },
        arrivals: { type: 'string', default: 'poisson' },
        'load-factor': { type: 'string', default: '1' },
        seed: { type: 'string', default: '1' },
        'plan-for': { type: 'string', default: DEFAULT_PLAN_FOR },
        output: { type: 'string', short: 'o', default: 'table' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\n${usage}`);
  }
  const files = values.filename as string[] | undefined;
  if (!files?.length) throw new UsageError(`-f PATH is required\n${usage}`);
  const arrivals = values.arrivals as string;
  if (!ARRIVAL_PATTERNS.includes(arrivals as ArrivalPattern))
    throw new UsageError(
      `--arrivals must be one of ${ARRIVAL_PATTERNS.join(', ')}, got ${JSON.stringify(arrivals)}`,
    );
  const output = values.output as string;
  if (output !== 'table' && output !== 'json')
    throw new UsageError(`-o must be table or json, got ${JSON.stringify(output)}`);
  const seedText = values.seed as string;
  const seed = Number(seedText);
  if (!Number.isInteger(seed) || seed < 0)
    throw new UsageError(`--seed must be a whole number, got ${JSON.stringify(seedText)}`);
  const planFor = values['plan-for'] as PlanFor;
  if (!PLAN_FOR.includes(planFor))
    throw new UsageError(`--plan-for must be poisson or steady, got ${JSON.stringify(planFor)}`);
  return {
    files,
    planFor,
    nodes: values.nodes as string | undefined,
    durationS: positive('--duration-s', values['duration-s'] as string, false),
    arrivals: arrivals as ArrivalPattern,
    loadFactor: positive('--load-factor', values['load-factor'] as string, false),
    seed,
    output,
  };
}

export async function simulateCommand(argv: string[], io: SimulateCommandIo = defaultIo): Promise<number> {
  try {
    if (argv.includes('-h') || argv.includes('--help')) {
      io.stdout(`${usage}\n`);
      return 0;
    }
    const args = parse(argv);
    const manifests = loadManifests(args.files);
    const nodeObjects = clusterNodes(manifests, args.nodes);
    const nowIso = io
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const run = {
      durationS: args.durationS,
      arrivals: args.arrivals,
      loadFactor: args.loadFactor,
      seed: args.seed,
    };
    const results = simulateAll(manifests, inventoryFromNodes(nodeObjects), nowIso, run, args.planFor);
    if (args.output === 'json')
      io.stdout(
        `${JSON.stringify(
          results.map((r) => r.output),
          null,
          2,
        )}\n`,
      );
    else io.stdout(renderSimulationTable(results, { ...run, planFor: args.planFor }));
    return 0;
  } catch (err) {
    if (err instanceof ManifestError || err instanceof UsageError) {
      io.stderr(`vpo simulate: ${err.message}\n`);
      return 1;
    }
    io.stderr(`vpo simulate: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    return 1;
  }
}
