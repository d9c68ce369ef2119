// The command-line tools the chart e2e files drive (helm, kubectl), bound to one cluster and one
// private Helm home, plus the small helpers both files share.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { eventually as supportEventually } from '../support/eventually.ts';
import { kubeEnv } from '../support/kubectl.ts';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
  };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field in the tests
  [key: string]: any;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ToolPaths {
  kubeconfig: string;
  helmBin: string;
  /** A private Helm home (cache, config, data), so parallel files share no Helm state. */
  helmHome: string;
}

export interface ChartTools extends ToolPaths {
  run(command: string, args: string[], input?: string): Promise<Run>;
  /** Like run, but asserts exit code 0 and returns stdout. */
  ok(command: string, args: string[], input?: string): Promise<string>;
  helm(...args: string[]): Promise<string>;
  kubectl(...args: string[]): Promise<string>;
  // biome-ignore lint/suspicious/noExplicitAny: kubectl JSON is checked field by field in the tests
  getJson(...args: string[]): Promise<any>;
}

export function chartTools(paths: ToolPaths): ChartTools {
  const run = (command: string, args: string[], input?: string): Promise<Run> =>
    new Promise((resolve, reject) => {
      const env = kubeEnv(paths.kubeconfig, paths.helmHome);
      const child = execFile(command, args, { env, maxBuffer: 32 << 20 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      });
      if (input !== undefined) child.stdin?.end(input);
    });
  const ok = async (command: string, args: string[], input?: string): Promise<string> => {
    const result = await run(command, args, input);
    assert.equal(result.code, 0, `${command} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
    return result.stdout;
  };
  const kubectl = (...args: string[]) => ok('kubectl', args);
  return {
    ...paths,
    run,
    ok,
    helm: (...args: string[]) => ok(paths.helmBin, args),
    kubectl,
    getJson: async (...args: string[]) => JSON.parse(await kubectl('get', ...args, '-o', 'json')),
  };
}

/** support/eventually with the chart files' default bound, 90 s. */
export const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000) =>
  supportEventually(what, probe, timeoutMs);

export const find = (objects: K8sObject[], kind: string, name?: string) =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
