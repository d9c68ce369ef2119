// `vpo plan -f PATH [-f PATH...] [--nodes NODES.yaml] [--plan-for poisson|steady] [-o table|yaml|json]`:
// prints for every VideoPipeline the status the operator would write (by default with the headroom
// random arrivals need, operator/planner/headroom.ts; --plan-for steady: occupancy 1, for paced
// sources). Exit 0 when every input parsed (even if a plan is infeasible), 1 with one line naming
// file, object and field on bad input.
import { parseArgs } from 'node:util';
import * as yaml from 'js-yaml';
import { printable } from '../../contract/printable.ts';
import { clusterNodes, loadManifests, ManifestError } from '../api/manifests.ts';
import { inventoryFromNodes } from '../api/to-planner.ts';
import { DEFAULT_PLAN_FOR, PLAN_FOR, type PlanFor } from '../planner/types.ts';
import { planAll } from './plan-all.ts';
import { renderTable } from './plan-table.ts';

const usage =
  'usage: vpo plan -f PATH [-f PATH...] [--nodes NODES.yaml] [--plan-for poisson|steady] [-o table|yaml|json]';

export interface PlanCommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  now: () => Date;
}

const defaultIo: PlanCommandIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  now: () => new Date(),
};

class UsageError extends Error {}

function parse(argv: string[]): {
  files: string[];
  nodes?: string;
  planFor: PlanFor;
  output: 'table' | 'yaml' | 'json';
} {
  let values: { filename?: string[]; nodes?: string; 'plan-for'?: string; output?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        nodes: { type: 'string' },
        'plan-for': { type: 'string', default: DEFAULT_PLAN_FOR },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\n${usage}`);
  }
  if (values.help) throw new UsageError(usage);
  if (!values.filename?.length) throw new UsageError(`-f PATH is required\n${usage}`);
  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'yaml' && output !== 'json') {
    throw new UsageError(`-o must be table, yaml or json, got ${JSON.stringify(output)}`);
  }
  const planFor = values['plan-for'] as PlanFor;
  if (!PLAN_FOR.includes(planFor))
    throw new UsageError(`--plan-for must be poisson or steady, got ${JSON.stringify(values['plan-for'])}`);
  return { files: values.filename, ...(values.nodes ? { nodes: values.nodes } : {}), planFor, output };
}

export async function planCommand(argv: string[], io: PlanCommandIo = defaultIo): Promise<number> {
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
    const planned = planAll(manifests, inventoryFromNodes(nodeObjects), nowIso, args.planFor);
    const outputs = planned.reports.map((r) => r.output);
    if (args.output === 'json') io.stdout(`${JSON.stringify(outputs, null, 2)}\n`);
    else if (args.output === 'yaml') io.stdout(yaml.dump(outputs, { noRefs: true, lineWidth: -1 }));
    else io.stdout(renderTable(planned));
    return 0;
  } catch (err) {
    if (err instanceof ManifestError || err instanceof UsageError) {
      io.stderr(`vpo plan: ${printable(err.message)}\n`);
      return 1;
    }
    const e = err as Error;
    io.stderr(`vpo plan: internal error: ${printable(e?.message ?? String(err))}\n`);
    return 1;
  }
}
