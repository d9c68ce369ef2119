// `vpo doctor [-o text|json] [--require P[,P…]] [--device-id N]`: what this machine and this install
// can execute, per provider (cpu, cuda, tensorrt, webgpu): library present, driver present, devices,
// version match, usable (a probe session really ran), with one line of advice for each "no". JSON:
// the API.md contract. Exit 0 after reporting; 1 on bad arguments, or when a --require'd provider
// is not usable (for scripts: `vpo doctor --require cuda`).
import { parseArgs } from 'node:util';
import { DIAGNOSED_PROVIDERS, type DiagnosedProvider } from '../../contract/execution-providers.ts';
import { type DoctorOptions, diagnose } from '../doctor/doctor.ts';
import { formatReport, reportJson } from '../doctor/format.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const usage = 'usage: vpo doctor [-o text|json] [--require cpu|cuda|tensorrt|webgpu[,…]] [--device-id N]\n';

export async function doctorCommand(
  argv: string[],
  io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
  options: Omit<DoctorOptions, 'deviceId'> = {},
): Promise<number> {
  let values: { output: string; require?: string; 'device-id'?: string; help: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        output: { type: 'string', short: 'o', default: 'text' },
        require: { type: 'string' },
        'device-id': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    io.err(`vpo doctor: ${(err as Error).message}\n${usage}`);
    return 1;
  }
  if (values.help) {
    io.out(usage);
    return 0;
  }
  const required = (values.require ?? '').split(',').filter(Boolean);
  const unknown = required.filter((p) => !(DIAGNOSED_PROVIDERS as readonly string[]).includes(p));
  const deviceId = values['device-id'] === undefined ? undefined : Number(values['device-id']);
  if (
    !['text', 'json'].includes(values.output) ||
    unknown.length > 0 ||
    (deviceId !== undefined && (!Number.isInteger(deviceId) || deviceId < 0))
  ) {
    io.err(
      `vpo doctor: ${unknown.length ? `unknown provider ${unknown.join(', ')}` : 'bad arguments'}\n${usage}`,
    );
    return 1;
  }
  const { providers } = await diagnose({ ...options, ...(deviceId !== undefined ? { deviceId } : {}) });
  io.out(
    values.output === 'json'
      ? `${JSON.stringify(reportJson(providers), null, 2)}\n`
      : formatReport(providers),
  );
  const unusable = required.filter(
    (p) => !providers.find((r) => r.name === (p as DiagnosedProvider))?.usable,
  );
  if (unusable.length > 0) {
    io.err(`vpo doctor: required but not usable: ${unusable.join(', ')}\n`);
    return 1;
  }
  return 0;
}
