#!/usr/bin/env bash
# Builds the vpo images from ./Dockerfile with buildah, without a Docker engine or a registry to pull
# from: the base (Debian bookworm minbase + ffmpeg + Node from the npm registry) is made locally by
# scripts/image/make-base.sh and passed as the Dockerfile's BASE. Two variants: `cpu` (tag
# vpo:VERSION: operator, ingest, cpu sessions) and `cuda` (VARIANT=cuda, tag vpo:VERSION-cuda: the
# CUDA provider and CUDA 13 libraries from PyPI; the host's wheel cache is mounted into the build,
# so a rebuild downloads nothing). Then smoke-tests each image's entrypoint (`vpo --version`,
# `vpo plan -f samples/video-classifier`) as uid 10001 on a read-only root filesystem: with podman
# when this machine can run containers, else by chroot into the mounted image; and for the cuda
# image checks on its root that every shared library the CUDA provider needs resolves except the
# driver's libcuda.so.1, and that `vpo doctor` there says "libraries present, no NVIDIA driver"
# (scripts/image/check-cuda-libs.sh). With a Docker engine, `docker build [--build-arg
# VARIANT=cuda] .` builds the same images from node:24-bookworm-slim.
#
#   scripts/build-image.sh [--variant cpu|cuda|both (default both)] [--tag IMAGE (cpu; cuda gets -cuda)]
#                          [--base IMAGE] [--no-smoke]
#                          [--archive FILE.tar]   also write a docker-archive per image (FILE-cuda.tar for cuda)
#                          [--push DEST]          buildah push, e.g. docker://registry.example.com/vpo:0.1.0
#                                                 (the cuda image goes to DEST-cuda)
#
# Storage (vfs driver, chroot isolation: no overlayfs, user namespaces or cgroups needed) and the
# base are cached under ${VPO_CACHE_DIR:-~/.cache/vpo}/image; CUDA wheels under .../cuda/wheels.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$repo/package.json" | head -n 1)"
tag="localhost/vpo:${version}"
variant=both
base=""
smoke=true
archive=""
push=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--tag) tag="$2"; shift 2 ;;
	--variant) variant="$2"; shift 2 ;;
	--base) base="$2"; shift 2 ;;
	--no-smoke) smoke=false; shift ;;
	--archive) archive="$2"; shift 2 ;;
	--push) push="$2"; shift 2 ;;
	-h | --help) sed -n '2,24p' "$0"; exit 0 ;;
	*) echo "build-image.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

case "$variant" in cpu) variants=(cpu) ;; cuda) variants=(cuda) ;; both) variants=(cpu cuda) ;;
*) echo "build-image.sh: --variant must be cpu, cuda or both" >&2; exit 2 ;; esac

command -v buildah >/dev/null || {
	echo "build-image.sh: buildah not found (apt-get install buildah), or use: docker build -t ${tag} ${repo}" >&2
	exit 1
}
cache_root="${VPO_CACHE_DIR:-$HOME/.cache/vpo}"
cache="${cache_root}/image"
mkdir -p "$cache" "${cache_root}/cuda/wheels"
# One storage for buildah and podman, so podman sees what buildah built.
storage=(--root "$cache/storage" --runroot "$cache/run" --storage-driver vfs)
bh() { buildah "${storage[@]}" "$@"; }
log() { echo "build-image.sh: $*" >&2; }
total_start=$SECONDS

# 1. The base image: made with debootstrap once, imported into the storage once.
if [[ -z "$base" ]]; then
	tarball="$("$repo/scripts/image/make-base.sh" | tail -n 1)"
	base="localhost/vpo-base:$(basename "$tarball" .tar)"
	if ! bh inspect --type image "$base" >/dev/null 2>&1; then
		log "importing ${tarball} as ${base}"
		ctr="$(bh from --pull=never scratch)"
		mnt="$(bh mount "$ctr")"
		tar --numeric-owner --xattrs -xf "$tarball" -C "$mnt"
		bh umount "$ctr" >/dev/null
		bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			--cmd '["node"]' --os linux --arch amd64 "$ctr"
		bh commit --rm "$ctr" "$base" >/dev/null
	fi
fi

# 2. The images, from the same Dockerfile users build with docker/podman.
# A CA bundle for npm and pip behind a TLS-intercepting proxy (this machine has one): a build
# secret, so it never lands in a layer. VPO_BUILD_CA, else the NODE_EXTRA_CA_CERTS the host's Node uses.
ca="${VPO_BUILD_CA:-${NODE_EXTRA_CA_CERTS:-}}"
secret=()
if [[ -n "$ca" && -s "$ca" ]]; then secret=(--secret "id=ca,src=${ca}"); fi
built=()
for v in "${variants[@]}"; do
	image="$tag"
	extra=()
	if [[ "$v" == cuda ]]; then
		image="${tag}-cuda"
		# The host's wheel cache: setup-cuda.ts checks each wheel's sha256 and downloads only what is missing.
		extra=(--build-arg VARIANT=cuda --build-arg VPO_CACHE_DIR=/var/cache/vpo
			--volume "${cache_root}/cuda/wheels:/var/cache/vpo/cuda/wheels")
	fi
	log "building ${image} (${v}) from ${base}"
	start=$SECONDS
	bh bud --isolation chroot --layers --pull=never --build-arg "BASE=${base}" "${secret[@]}" "${extra[@]}" \
		--tag "$image" --file "$repo/Dockerfile" "$repo" >&2
	log "built ${image} in $((SECONDS - start))s"
	bh rmi --prune >/dev/null 2>&1 || true # earlier builds' untagged images (vfs keeps full copies)
	bh images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$image" >&2

	# 3. Smoke test: the entrypoint as the image runs it; for cuda, the libraries the provider needs.
	if $smoke; then
		"$repo/scripts/image/smoke.sh" "$image" "${storage[@]}"
		if [[ "$v" == cuda ]]; then "$repo/scripts/image/check-cuda-libs.sh" "$image" "${storage[@]}"; fi
	fi

	if [[ -n "$archive" ]]; then
		file="$archive"
		[[ "$v" == cuda ]] && file="${archive%.tar}-cuda.tar"
		rm -f "$file"
		bh push "$image" "docker-archive:${file}:${image}" >&2
		log "wrote $(du -h "$file" | cut -f1) ${file}"
	fi
	if [[ -n "$push" ]]; then
		dest="$push"
		[[ "$v" == cuda ]] && dest="${push}-cuda"
		bh push "$image" "$dest" >&2
	fi
	built+=("$image")
done
log "done in $((SECONDS - total_start))s"
printf '%s\n' "${built[@]}"
