#!/usr/bin/env bash
# Checks a built vpo CUDA image on its own root filesystem (buildah mount; no container runtime or
# GPU needed): every shared library the CUDA provider needs resolves inside the image with the
# image's LD_LIBRARY_PATH — the provider's direct dependencies and the libraries it dlopens by name
# (cuDNN 9 and its sub-libraries, cuFFT, NVRTC), each with all of its own dependencies — except the
# driver's libcuda.so.1, which the NVIDIA container toolkit mounts from the node. Then runs
# `vpo doctor -o json` there as uid 10001 and expects cuda: library present, no driver, not usable.
# ldd runs inside the image (chroot), so the image's own glibc and loader resolve the names.
#
#   scripts/image/check-cuda-libs.sh IMAGE [buildah storage flags…]
set -euo pipefail

image="$1"
shift
storage=("$@")
log() { echo "check-cuda-libs.sh: $*" >&2; }
fail() {
	log "FAIL: $*"
	exit 1
}

ctr="$(buildah "${storage[@]}" from --pull=never "$image")"
trap 'buildah "${storage[@]}" rm "$ctr" >/dev/null' EXIT
root="$(buildah "${storage[@]}" mount "$ctr")"
libpath="$(buildah "${storage[@]}" inspect --type image --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "$image" |
	sed -n 's/^LD_LIBRARY_PATH=//p')"
[[ -n "$libpath" ]] || fail "the image sets no LD_LIBRARY_PATH"
binding=/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64
provider="${binding}/libonnxruntime_providers_cuda.so"
chroot "$root" /usr/bin/test -e "$provider" || fail "${provider} is not in the image (or its link does not resolve there)"
marker="${root}${binding}/vpo-cuda.json"
[[ -s "$marker" ]] || fail "no install record ${binding}/vpo-cuda.json"
log "image LD_LIBRARY_PATH=${libpath}; install record: $(tr -d '\n ' <"$marker" | cut -c1-160)…"

# ldd FILE inside the image root: prints the "not found" lines (none = all resolve).
missing_of() {
	chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$libpath" ldd "$1" | grep 'not found' || true
}

# The provider's direct dependencies, then every library it dlopens by name, as the loader finds it.
checked=("$provider")
dlopened=(libcudnn.so.9 libcudnn_graph.so.9 libcudnn_ops.so.9 libcudnn_cnn.so.9 libcudnn_adv.so.9
	libcudnn_heuristic.so.9 libcudnn_engines_precompiled.so.9 libcudnn_engines_runtime_compiled.so.9
	libcufft.so.12 libnvrtc.so.13 libnvrtc-builtins.so.13.0)
IFS=: read -r -a dirs <<<"$libpath"
for so in "${dlopened[@]}"; do
	found=""
	for d in "${dirs[@]}"; do [[ -e "${root}${d}/${so}" ]] && found="${d}/${so}" && break; done
	[[ -n "$found" ]] || fail "${so} (dlopened by the CUDA provider or cuDNN) is not on LD_LIBRARY_PATH in the image"
	checked+=("$found")
done
problems=0
for f in "${checked[@]}"; do
	while read -r line; do
		[[ -z "$line" ]] && continue
		if [[ "$line" == libcuda.so.1* ]]; then continue; fi
		log "${f}: ${line}"
		problems=$((problems + 1))
	done < <(missing_of "$f")
done
[[ $problems -eq 0 ]] || fail "${problems} unresolved librar(y/ies)"
cuda_line="$(missing_of "$provider" | tr -s ' \t' ' ')"
[[ "$cuda_line" == *"libcuda.so.1 => not found"* ]] || log "note: libcuda.so.1 resolves in the image (${cuda_line:-found})"
log "ok: ${#checked[@]} libraries resolve in the image; only the driver's libcuda.so.1 is left to the node"

# vpo doctor on the image root, as the image runs: uid 10001, read-only root, its environment.
env_args=()
while IFS= read -r kv; do [[ -n "$kv" ]] && env_args+=("$kv"); done < <(buildah "${storage[@]}" inspect --type image \
	--format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "$image")
doctor="$(unshare --mount --propagation private -- /bin/sh -c '
	root="$1"; shift
	mount --bind "$root" "$root" && mount -o remount,bind,ro "$root" "$root"
	mount -t tmpfs -o size=64m,mode=1777 tmpfs "$root/tmp"
	mount -t proc proc "$root/proc"
	mount --rbind /dev "$root/dev"
	exec chroot --userspec=10001:10001 "$root" /usr/bin/env -i HOME=/nonexistent "$@"
' sh "$root" "${env_args[@]}" node /app/bin/vpo.ts doctor -o json)" || fail "vpo doctor failed in the image"
node -e '
	const report = JSON.parse(process.argv[1]);
	const cuda = report.providers.find((p) => p.name === "cuda");
	if (!cuda) throw new Error("doctor reports no cuda provider");
	if (!cuda.library) throw new Error(`cuda library: false in the image: ${cuda.advice}`);
	if (cuda.driver || cuda.usable) console.error("check-cuda-libs.sh: note: this machine has an NVIDIA driver");
	console.error(`check-cuda-libs.sh: ok: vpo doctor in the image: cuda: ${cuda.summary}`);
' "$doctor" || fail "doctor output: ${doctor:0:600}"
