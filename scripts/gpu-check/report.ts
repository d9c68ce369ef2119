// The GPU check's figures as markdown (pure): what ran, for how long, each profile as a table,
// the benchmark figures, and every error verbatim. Parsers read what `vpo profile` and
// `npm run bench` print, so the report holds measured numbers only.

export interface StepResult {
  title: string;
  command: string;
  ok: boolean;
  seconds: number;
  stdout: string;
  stderr: string;
  /** Why it did not run (time budget, nothing to run it on). */
  skipped?: string;
}

export interface ProfileRow {
  batchSize: number;
  meanMicros: number;
  stdMicros: number;
  p99Micros: number;
  memoryKind: string;
  memoryMiB: number;
  memorySource: string;
}

const ROW = /^batch (\d+): mean (\d+)µs std (\d+)µs p99 (\d+)µs (host|device) memory (\d+)MiB \(([\w-]+)\)$/;

/** `vpo profile`'s per-batch stderr lines. */
export function parseProfileRows(stderr: string): ProfileRow[] {
  return stderr.split('\n').flatMap((line) => {
    const m = ROW.exec(line.trim());
    if (!m) return [];
    return [
      {
        batchSize: Number(m[1]),
        meanMicros: Number(m[2]),
        stdMicros: Number(m[3]),
        p99Micros: Number(m[4]),
        memoryKind: m[5]!,
        memoryMiB: Number(m[6]),
        memorySource: m[7]!,
      },
    ];
  });
}

/** The gpuProduct of `vpo profile`'s printed entry. */
export function parseProduct(stdout: string): string | undefined {
  return /gpuProduct:\s*(\S+)/.exec(stdout)?.[1];
}

/** The JSON figures `npm run bench` prints, one per line. */
export function parseBenchFigures(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

function profileTable(rows: ProfileRow[]): string {
  const lines = [
    '| batch | mean µs | std µs | p99 µs | items/s (mean) | memory MiB |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.batchSize} | ${r.meanMicros} | ${r.stdMicros} | ${r.p99Micros} | ${((r.batchSize * 1e6) / Math.max(1, r.meanMicros)).toFixed(1)} | ${r.memoryMiB} |`,
    ),
  ];
  const first = rows[0];
  const note = first ? `\nmemoryMiB: ${first.memoryKind} memory (${first.memorySource}).\n` : '';
  return `${lines.join('\n')}\n${note}`;
}

const fence = (text: string) => `\`\`\`text\n${text.trimEnd()}\n\`\`\`\n`;
const tail = (text: string, n = 1500) => (text.length > n ? `…${text.slice(-n)}` : text);

export interface ReportInput {
  title: string;
  /** Lines under the title: the machine, what was brought, what is missing. */
  context: string[];
  steps: StepResult[];
}

export function renderReport(input: ReportInput): string {
  const out: string[] = [`# ${input.title}\n`, ...input.context.map((c) => `- ${c}`), ''];
  for (const step of input.steps) {
    out.push(`## ${step.title}\n`);
    out.push(
      `\`${step.command}\`${step.skipped ? '' : ` — ${step.ok ? 'ok' : 'FAILED'} in ${step.seconds.toFixed(1)} s`}\n`,
    );
    if (step.skipped) {
      out.push(`Skipped: ${step.skipped}\n`);
      continue;
    }
    const rows = parseProfileRows(step.stderr);
    const figures = parseBenchFigures(step.stdout);
    if (rows.length > 0) {
      const product = parseProduct(step.stdout);
      if (product) out.push(`gpuProduct: \`${product}\`\n`);
      out.push(profileTable(rows));
    } else if (figures.length > 0) {
      out.push(figures.map((f) => `- ${f.name}: ${f.value} ${f.unit} — ${JSON.stringify(f)}`).join('\n'), '');
    } else if (step.ok) {
      out.push(fence(step.stdout || step.stderr));
    }
    if (!step.ok) out.push(fence(tail(step.stderr || step.stdout)));
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
