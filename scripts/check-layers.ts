// Checks the architecture's import rules (docs/architecture.md): the control plane (operator/) and
// the data plane (runtime/) share only the contract package; neither imports the embedded wiring;
// the contract and the Kafka adapter import neither plane; the simulator (simulate/) plans with the
// operator's planner and runs the runtime's pure policies, never its adapters; each client library
// has its importers.
// Tests and test support are exempt. `node scripts/check-layers.ts [ROOT]` prints every violation
// as FILE: IMPORT (why) and exits 1 when there is one.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface Rule {
  /** Folder the importing file is under. */
  from: string;
  /** Folders it must not import from. */
  forbidden: string[];
  /** Folders it may import only these paths of (folder or file prefixes). */
  only?: Record<string, string[]>;
  why: string;
}

const rules: Rule[] = [
  { from: 'operator', forbidden: ['runtime', 'embedded'], why: 'the control plane shares only contract/' },
  { from: 'runtime', forbidden: ['operator', 'embedded'], why: 'the data plane shares only contract/' },
  {
    from: 'contract',
    forbidden: ['operator', 'runtime', 'embedded', 'kafka'],
    why: 'the contract imports neither plane',
  },
  {
    from: 'kafka',
    forbidden: ['operator', 'runtime', 'embedded', 'contract'],
    why: 'an adapter owns no policy',
  },
  {
    from: 'simulate',
    forbidden: ['embedded', 'kafka'],
    only: {
      runtime: ['runtime/batching/', 'runtime/assignment/', 'runtime/backend/device-emulation.ts'],
      operator: [
        'operator/planner/',
        'operator/api/',
        'operator/cli/plan-all.ts',
        'operator/cli/plan-table.ts',
      ],
    },
    why: "the simulator runs the planner and the runtime's pure policies, no adapters",
  },
];

/** A library and the only folders or files that may import it (the thin adapters). */
const libraryOwners: Record<string, string[]> = {
  kafkajs: ['kafka/', 'runtime/transport/kafka/'],
  'onnxruntime-node': ['runtime/inference/onnx-model.ts'],
  '@kubernetes/client-node': ['operator/kube/client.ts'],
  'node-av': ['runtime/ingest/libav/'],
};

const productFolders = ['bin', 'contract', 'kafka', 'operator', 'runtime', 'embedded', 'simulate'];

export function isTestFile(file: string): boolean {
  return /\.test\.ts$|\.test-support\.ts$|(^|\/)test-support\//.test(file);
}

function tsFiles(root: string, dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(path.join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(root, rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic imports with a literal. */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"\n]+)\1/g;
  for (const m of source.matchAll(pattern)) found.push(m[2]!);
  // The CLI's table of lazily loaded command modules names them as plain strings.
  for (const m of source.matchAll(/\bmodule:\s*(['"])(\.{1,2}\/[^'"\n]+)\1/g)) found.push(m[2]!);
  return found;
}

export function checkLayers(root: string): string[] {
  const violations: string[] = [];
  for (const file of productFolders.flatMap((f) => tsFiles(root, f))) {
    if (isTestFile(file)) continue;
    const top = file.split('/')[0]!;
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const spec of importsOf(text)) {
      if (spec.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        const targetTop = target.split('/')[0]!;
        for (const rule of rules) {
          if (rule.from !== top) continue;
          const allowed = rule.only?.[targetTop];
          if (rule.forbidden.includes(targetTop) || (allowed && !allowed.some((a) => target.startsWith(a))))
            violations.push(`${file}: ${spec} (${rule.why})`);
        }
        continue;
      }
      const library = Object.keys(libraryOwners).find((l) => spec === l || spec.startsWith(`${l}/`));
      if (library && !libraryOwners[library]!.some((owner) => file.startsWith(owner)))
        violations.push(`${file}: ${spec} (only ${libraryOwners[library]!.join(', ')} import ${library})`);
    }
  }
  return violations;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
  const violations = checkLayers(root);
  for (const v of violations) process.stderr.write(`${v}\n`);
  process.stdout.write(
    violations.length === 0 ? 'layers: ok\n' : `layers: ${violations.length} violation(s)\n`,
  );
  process.exitCode = violations.length === 0 ? 0 : 1;
}
