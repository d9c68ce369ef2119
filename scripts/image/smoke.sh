#!/usr/bin/env bash
# Smoke-tests a built vpo image by running its ENTRYPOINT as its USER on a read-only root with a
# tmpfs /tmp: `--version`, `plan -f /app/samples/video-classifier` (JSON with a planned pipeline),
# ffmpeg present, root filesystem not writable. Tries podman first; where this machine cannot run
# containers (no cgroups/namespaces for crun), runs the same commands by chroot into the mounted
# image. Exits non-zero on the first failed check.
#
#   scripts/image/smoke.sh IMAGE [buildah/podman storage flags…]
set -euo pipefail

image="$1"
shift
storage=("$@")
version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$(dirname "$0")/../../package.json" | head -n 1)"
log() { echo "smoke.sh: $*" >&2; }
fail() {
	log "FAIL: $*"
	exit 1
}

config() { buildah "${storage[@]}" inspect --type image --format "$1" "$image"; }
entrypoint="$(config '{{range .OCIv1.Config.Entrypoint}}{{.}} {{end}}')"
user="$(config '{{.OCIv1.Config.User}}')"
[[ "$entrypoint" == 'node /app/bin/vpo.ts ' ]] || fail "ENTRYPOINT is '${entrypoint}', want node /app/bin/vpo.ts"
[[ "$user" == "10001:10001" ]] || fail "USER is '${user}', want 10001:10001"
log "image config: ENTRYPOINT ${entrypoint}, USER ${user}"

# run_entrypoint ARGS…: the image's entrypoint with ARGS; run_shell CMD: /bin/sh -c CMD. Both as USER.
runner=""
if podman "${storage[@]}" run --rm --pull=never --read-only --tmpfs /tmp --network none \
	--cgroups=disabled --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$image" --version >/dev/null 2>"${TMPDIR:-/tmp}/vpo-smoke-podman.err"; then
	runner=podman
	run_entrypoint() {
		podman "${storage[@]}" run --rm --pull=never --read-only --tmpfs /tmp --network none \
			--cgroups=disabled --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$image" "$@"
	}
	run_shell() {
		podman "${storage[@]}" run --rm --pull=never --read-only --tmpfs /tmp --network none \
			--cgroups=disabled --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --entrypoint /bin/sh "$image" -c "$1"
	}
else
	log "podman cannot run containers here ($(tail -n 1 "${TMPDIR:-/tmp}/vpo-smoke-podman.err")); using chroot"
	runner=chroot
	ctr="$(buildah "${storage[@]}" from --pull=never "$image")"
	mnt="$(buildah "${storage[@]}" mount "$ctr")"
	trap 'buildah "${storage[@]}" rm "$ctr" >/dev/null' EXIT
	# A private mount namespace: the image root bound read-only, /tmp a tmpfs, /proc and /dev from here.
	in_root() {
		unshare --mount --propagation private -- /bin/sh -c '
			root="$1"; shift
			mount --bind "$root" "$root" && mount -o remount,bind,ro "$root" "$root"
			mount -t tmpfs -o size=64m,mode=1777 tmpfs "$root/tmp"
			mount -t proc proc "$root/proc"
			mount --rbind /dev "$root/dev"
			cd "$root/app" && exec chroot --userspec=10001:10001 "$root" /usr/bin/env -i \
				PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_ENV=production HOME=/nonexistent "$@"
		' sh "$mnt" "$@"
	}
	run_entrypoint() { in_root node /app/bin/vpo.ts "$@"; }
	run_shell() { in_root /bin/sh -c "cd /app && $1"; }
fi
log "runner: ${runner}"

out="$(run_entrypoint --version)"
[[ "$out" == "vpo ${version}" ]] || fail "--version printed '${out}', want 'vpo ${version}'"
log "ok: vpo --version -> ${out}"

plan="$(run_entrypoint plan -f /app/samples/video-classifier \
	--nodes /app/samples/video-classifier/cluster/nodes.yaml -o json)" || fail "vpo plan exited non-zero"
node -e '
	const rows = JSON.parse(process.argv[1]);
	const vp = rows.find((r) => r.kind === "VideoPipeline");
	if (!vp) throw new Error("no VideoPipeline in the plan output");
	const planned = vp.status.conditions.find((c) => c.type === "Planned");
	if (planned?.status !== "True") throw new Error(`Planned is ${JSON.stringify(planned)}`);
	console.error(`smoke.sh: ok: vpo plan -> ${vp.metadata.name}: ${vp.status.plan.gpus} GPUs`);
' "$plan" || fail "vpo plan output: ${plan:0:400}"

run_shell 'ffmpeg -hide_banner -version | head -n 1' >&2 || fail "ffmpeg does not run"
who="$(run_shell 'id -u')"
[[ "$who" == "10001" ]] || fail "runs as uid ${who}"
if run_shell 'touch /app/written 2>/dev/null || touch /written 2>/dev/null'; then
	fail "the root filesystem is writable"
fi
run_shell 'echo ok >/tmp/probe && test -s /tmp/probe' || fail "/tmp is not writable"
log "ok: uid 10001, ffmpeg runs, root read-only, /tmp writable (${runner})"
