// Where the dynamic loader would find a shared library, asked the way it answers: `ldd` for a
// file's direct and indirect dependencies, and for a library opened by name at run time (dlopen)
// the directories it searches: LD_LIBRARY_PATH, the ld.so cache, then the default folders.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** A soname and where the loader finds it (undefined: "not found"). */
export interface ResolvedLibrary {
  soname: string;
  path?: string;
}

/** `ldd FILE` output → every dependency with its path, or none when not found. */
export function parseLdd(text: string): ResolvedLibrary[] {
  const out: ResolvedLibrary[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(not found|\S+)/.exec(line);
    if (!m) continue;
    out.push(m[2] === 'not found' ? { soname: m[1]! } : { soname: m[1]!, path: m[2]! });
  }
  return out;
}

export function ldd(file: string, env: NodeJS.ProcessEnv): ResolvedLibrary[] {
  try {
    return parseLdd(
      execFileSync('ldd', [file], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
  } catch (err) {
    // ldd exits non-zero for a file it cannot read, but still prints the unresolved names.
    const out = (err as { stdout?: string }).stdout;
    if (out) return parseLdd(out);
    throw new Error(`ldd ${file}: ${(err as Error).message}`);
  }
}

/** `ldconfig -p` output → soname → path (the x86-64 entry when several). */
export function parseLdconfig(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)/.exec(line);
    if (!m) continue;
    const [, soname, flags, file] = m;
    if (!map.has(soname!) || flags!.includes('x86-64')) map.set(soname!, file!);
  }
  return map;
}

const DEFAULT_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
];

/** Finds libraries by soname as dlopen would; the ld.so cache is read once. */
export function libraryFinder(libraryPath: string | undefined): (soname: string) => string | undefined {
  let cache: Map<string, string> | undefined;
  const fromCache = (soname: string) => {
    if (!cache) {
      try {
        const text = execFileSync(existsSync('/sbin/ldconfig') ? '/sbin/ldconfig' : 'ldconfig', ['-p'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        cache = parseLdconfig(text);
      } catch {
        cache = new Map();
      }
    }
    return cache.get(soname);
  };
  const dirs = (libraryPath ?? '').split(':').filter((d) => d !== '');
  return (soname) => {
    for (const d of dirs) if (existsSync(path.join(d, soname))) return path.join(d, soname);
    const cached = fromCache(soname);
    if (cached && existsSync(cached)) return cached;
    for (const d of DEFAULT_DIRS) if (existsSync(path.join(d, soname))) return path.join(d, soname);
    return undefined;
  };
}
