// How the kubelet stand-in turns a scheduled Pod's container into a local process (pure): the
// image's entrypoint replaced by a local command, Kubernetes' command/args rules and $(VAR)
// expansion, the pod's env, and every path under a volumeMount remapped to the host directory
// that stands in for the volume; a declared containerPort given as `--port N` (or `--api-port N`) is remapped to a
// free host port, and `0.0.0.0` to loopback (the pod's network is this machine's loopback).

export interface PodContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
  }[];
  ports?: { containerPort: number; name?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
  terminationMessagePath?: string;
}

export interface PodLike {
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string> };
  spec: { nodeName?: string; containers: PodContainer[]; volumes?: Record<string, unknown>[] };
}

/** What runs in place of an image: its entrypoint (and default args) on this machine. */
export interface LocalImage {
  entrypoint: string[];
  cmd?: string[];
  /** The image's own directories (e.g. /models) on this machine; mounts shadow them. */
  paths?: Record<string, string>;
  /** Appended to the container's args (e.g. the model root that stands in for the image's /models). */
  extraArgs?: (args: string[]) => string[];
}

export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** containerPort → host port. */
  ports: Record<number, number>;
}

/** `$(VAR)` from the container's own env, as the kubelet expands command, args and env values. */
function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
}

function fieldRef(pod: PodLike, path: string): string | undefined {
  if (path === 'metadata.name') return pod.metadata.name;
  if (path === 'metadata.namespace') return pod.metadata.namespace;
  if (path === 'metadata.uid') return pod.metadata.uid;
  if (path === 'spec.nodeName') return pod.spec.nodeName;
  return undefined;
}

/** A path under one of the mounts, rewritten to its host directory (longest mount path wins). */
export function remapPath(value: string, mounts: Record<string, string>): string {
  const hit = Object.keys(mounts)
    .sort((a, b) => b.length - a.length)
    .find((m) => value === m || value.startsWith(m.endsWith('/') ? m : `${m}/`));
  return hit === undefined ? value : `${mounts[hit]}${value.slice(hit.length)}`;
}

function remapToken(token: string, mounts: Record<string, string>): string {
  if (token === '0.0.0.0') return '127.0.0.1';
  const eq = token.indexOf('=');
  if (token.startsWith('--') && eq > 0)
    return `${token.slice(0, eq + 1)}${remapToken(token.slice(eq + 1), mounts)}`;
  return remapPath(token, mounts);
}

const portFlags = ['--port', '--api-port'];

function remapPorts(args: string[], ports: Record<number, number>): string[] {
  const host = (v: string) => (ports[Number(v)] !== undefined ? String(ports[Number(v)]) : v);
  return args.map((arg, i) => {
    const flag = portFlags.find((f) => arg.startsWith(`${f}=`));
    if (flag) return `${flag}=${host(arg.slice(flag.length + 1))}`;
    return i > 0 && portFlags.includes(args[i - 1]!) ? host(arg) : arg;
  });
}

function secretValue(
  pod: PodLike,
  secrets: Record<string, Record<string, string>>,
  ref: { name: string; key: string },
): string {
  const value = secrets[ref.name]?.[ref.key];
  // A kubelet does not start a container whose secretKeyRef does not resolve.
  if (value === undefined)
    throw new Error(`pod ${pod.metadata.name}: secret ${ref.name} has no key ${ref.key}`);
  return value;
}

/** The Secret names a container's env refers to. */
export function referencedSecrets(container: PodContainer): string[] {
  return [
    ...new Set(
      (container.env ?? []).flatMap((e) =>
        e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [],
      ),
    ),
  ];
}

export function podLaunch(
  pod: PodLike,
  container: PodContainer,
  image: LocalImage,
  /** mountPath → host directory, for each of the container's volumeMounts. */
  mounts: Record<string, string>,
  ports: Record<number, number>,
  baseEnv: Record<string, string>,
  /** The Secrets the env refers to: name → key → value (the kubelet reads them for the pod). */
  secrets: Record<string, Record<string, string>> = {},
): Launch {
  mounts = { ...image.paths, ...mounts };
  const env: Record<string, string> = { ...baseEnv };
  for (const e of container.env ?? []) {
    const value =
      e.value !== undefined
        ? expand(e.value, env)
        : e.valueFrom?.fieldRef
          ? fieldRef(pod, e.valueFrom.fieldRef.fieldPath)
          : e.valueFrom?.secretKeyRef
            ? secretValue(pod, secrets, e.valueFrom.secretKeyRef)
            : undefined;
    // Secret values are data, never paths: only literal values are remapped.
    if (value !== undefined) env[e.name] = e.valueFrom?.secretKeyRef ? value : remapToken(value, mounts);
  }
  // The container's /tmp is its own: point the process's temp dir at what stands in for it.
  if (mounts['/tmp']) env.TMPDIR = mounts['/tmp'];
  // Kubernetes: `command` replaces the entrypoint (and drops the image's CMD); `args` replace CMD.
  // Only what the pod spec says is remapped: the local entrypoint is a path on this machine.
  const fromPod = (list: string[]) =>
    remapPorts(
      list.map((a) => remapToken(expand(a, env), mounts)),
      ports,
    );
  const podArgs = container.args ? fromPod(container.args) : (image.cmd ?? []);
  const argv = container.command
    ? [...fromPod(container.command), ...podArgs]
    : [...image.entrypoint, ...podArgs];
  const [command, ...args] = argv;
  if (command === undefined) throw new Error(`pod ${pod.metadata.name}: nothing to run`);
  return { command, args: [...args, ...(image.extraArgs?.(podArgs) ?? [])], env, ports };
}
