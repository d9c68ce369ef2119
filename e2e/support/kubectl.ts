// Command-line wrappers for the e2e files: a command run to its stdout, and kubectl (plus its JSON)
// bound to one environment (a kubeconfig and, where Helm is used, a private Helm home).
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The environment for kubectl/helm against `kubeconfig`; with `helmHome`, Helm's state lives there. */
export function kubeEnv(kubeconfig: string, helmHome?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig };
  if (helmHome !== undefined) {
    env.HELM_CACHE_HOME = join(helmHome, 'cache');
    env.HELM_CONFIG_HOME = join(helmHome, 'config');
    env.HELM_DATA_HOME = join(helmHome, 'data');
  }
  return env;
}

/** Runs `cmd`, with `input` on its stdin; resolves to stdout, rejects with the command and its stderr. */
export function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env, maxBuffer: 32 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
    // The command may exit before reading stdin: a closed pipe is not the caller's failure.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

export type Kubectl = (args: string[], input?: string) => Promise<string>;
// biome-ignore lint/suspicious/noExplicitAny: kubectl JSON is read by path
export type KubectlJson = (args: string[]) => Promise<any>;

/** kubectl in `env`, and `json(args)`: the same with `-o json`, parsed. */
export function kubectlIn(env: NodeJS.ProcessEnv): { kubectl: Kubectl; json: KubectlJson } {
  const kubectl: Kubectl = (args, input) => exec('kubectl', args, env, input);
  const json: KubectlJson = async (args) => JSON.parse(await kubectl([...args, '-o', 'json']));
  return { kubectl, json };
}

/** `kubectl patch <resource> <name> -n <namespace> --type merge -p <patch>`. */
export const mergePatch = (
  kubectl: Kubectl,
  resource: string,
  name: string,
  namespace: string,
  patch: string,
) => kubectl(['patch', resource, name, '-n', namespace, '--type', 'merge', '-p', patch]);
