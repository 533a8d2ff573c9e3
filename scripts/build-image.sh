#!/usr/bin/env bash
# Builds the node-applier image (docs/image.md) with Debian's buildah, from scratch, without running a
# container (no RUN step: this also works where container engines cannot start a process):
#
#   1. a root file system of Debian packages made by mmdebstrap: the Essential set (sh, coreutils,
#      dpkg and its database, so image scanners see every package) plus libstdc++6, openssh-client,
#      ca-certificates and libnss-wrapper; no apt, no docs beyond the copyright files;
#   2. the single executable (Node SEA, scripts/build-sea.mjs) made from a supported Node (NODE_VERSION
#      below), taken from the npm registry's node-linux-<arch> package and checked against the pinned
#      integrity, and the CLI bundle from `npm run build`;
#   3. an ssh wrapper so that ssh works under any uid, also one with no passwd entry (OpenShift's
#      restricted-v2 SCC assigns one from the namespace's range);
#   4. `buildah build -f Containerfile` over that context.
#
#   npm run image                  -> localhost/mirrorset-hosts:<version> and :<version>-<inputs>
#   npm run image -- --refresh     rebuild the root file system and the image even if cached
#
# <inputs> is a hash of everything the image is made from (this script, the Containerfile, the bundle,
# build-sea.mjs, the version, the architecture). When an image with that tag exists, nothing is built.
# The Debian packages are not part of that hash: they are fetched once and cached; --refresh takes the
# archive's current packages (security updates). Needs root (buildah's storage and mmdebstrap's root
# mode), buildah, mmdebstrap, binutils (strip) and npm. The last line of stdout is the image reference.
set -euo pipefail

# Node 24: an LTS line supported until April 2028 (Node 20 ended in April 2026). Debian's own nodejs is
# 20 in trixie; 24 only in unstable. The npm registry ships the upstream build inside node-linux-<arch>;
# the integrity is the registry's sha512 of that package, checked before the binary is used.
NODE_VERSION=24.22.3
declare -A NODE_INTEGRITY=(
  [x64]=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
  [arm64]=sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
)
# Debian stable. The Essential set gives sh and coreutils (the Argo CD init container in
# docs/gitops.md runs `sh -c 'cp ...'` in this image) and dpkg's database; libstdc++6 is Node's C++
# runtime; the rest is what the Job runs.
DEBIAN_SUITE=trixie
DEBIAN_PACKAGES=libstdc++6,openssh-client,ca-certificates,libnss-wrapper
APPLIER_UID=65532

repo=$(cd "$(dirname "$0")/.." && pwd)
refresh=false
for arg in "$@"; do
  case "$arg" in
    --refresh) refresh=true ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-image: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

fail() { echo "build-image: $*" >&2; exit 1; }
log() { echo "build-image: $*" >&2; }

[ "$(id -u)" = 0 ] || fail "run as root: buildah's storage and mmdebstrap's root mode need it (sudo npm run image)"
missing=()
for tool in buildah mmdebstrap strip npm node sha256sum; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} = 0 ] || fail "missing ${missing[*]} (Debian: apt-get install buildah mmdebstrap binutils)"

deb_arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
case "$deb_arch" in
  amd64|x86_64) node_arch=x64; deb_arch=amd64 ;;
  arm64|aarch64) node_arch=arm64; deb_arch=arm64 ;;
  *) fail "no pinned Node build for architecture $deb_arch (amd64 and arm64 are)" ;;
esac

bundle="$repo/dist/mirrorset-hosts.bundle.cjs"
[ -f "$bundle" ] || fail "dist/mirrorset-hosts.bundle.cjs is missing: run npm run build first"
version=$(node -p 'require(process.argv[1]).version' "$repo/package.json")

# The archive URL apt already uses here (deb822 or one-line sources), so a local mirror is honoured;
# MIRRORSET_HOSTS_DEBIAN_MIRROR overrides it.
apt_uri() { # $1: a regular expression the URI's last path element matches
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] && cat "$file"
  done | sed -n -E 's/^URIs:[[:space:]]*//p; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
    | tr ' ' '\n' | grep -E "^https?://[^[:space:]]+/$1/?\$" | head -n 1 | sed 's:/*$::' || true
}
mirror=${MIRRORSET_HOSTS_DEBIAN_MIRROR:-$(apt_uri debian)}
mirror=${mirror:-http://deb.debian.org/debian}
security=${MIRRORSET_HOSTS_DEBIAN_SECURITY_MIRROR:-$(apt_uri debian-security)}
security=${security:-http://deb.debian.org/debian-security}

cache=${MIRRORSET_HOSTS_IMAGE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/mirrorset-hosts/image}
mkdir -p "$cache"

inputs=$( { sha256sum "$0" "$repo/Containerfile" "$bundle" "$repo/scripts/build-sea.mjs" | cut -d' ' -f1
            echo "$version $deb_arch"; } | sha256sum | cut -c1-12)
name=localhost/mirrorset-hosts
ref="$name:$version-$inputs"

if ! $refresh && buildah inspect --type image "$ref" >/dev/null 2>&1; then
  log "$ref is up to date (same inputs); nothing to build"
  buildah tag "$ref" "$name:$version"
  echo "$ref"
  exit 0
fi

context=$(mktemp -d "${TMPDIR:-/tmp}/mirrorset-hosts-image.XXXXXX")
trap 'rm -rf "$context"' EXIT

# 1. The root file system, cached by what makes it: these options and the architecture (the mirror's
# URL is left out: any mirror serves the same packages).
# The hooks run on this machine with the new root as $1. The user the Job runs as by default (the
# Job's runAsUser, src/node-applier/job.ts), home /tmp: the only writable place in the pod. setuid/setgid
# bits go: the pod runs with no_new_privs, and nothing here needs them.
rootfs_options=(
  --mode=root --variant=essential --arch="$deb_arch" --include="$DEBIAN_PACKAGES"
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --customize-hook="chroot \"\$1\" groupadd --gid $APPLIER_UID mirrorset-hosts"
  --customize-hook="chroot \"\$1\" useradd -K UID_MAX=$APPLIER_UID --uid $APPLIER_UID --gid $APPLIER_UID --home-dir /tmp --no-create-home --shell /usr/sbin/nologin mirrorset-hosts"
  --customize-hook='find "$1" -xdev -type f -perm /6000 -exec chmod ug-s {} +'
  --customize-hook='ln -s mirrorset-hosts "$1/usr/local/bin/mirrorset-hosts-sea"'
  --customize-hook='rm -rf "$1"/var/cache/* "$1"/var/log/* "$1"/var/lib/apt/lists/*'
)
rootfs_key=$(printf '%s\n' "$DEBIAN_SUITE" "${rootfs_options[@]}" | sha256sum | cut -c1-12)
rootfs="$cache/rootfs-$DEBIAN_SUITE-$deb_arch-$rootfs_key.tar"
if $refresh || [ ! -s "$rootfs" ]; then
  log "making the $DEBIAN_SUITE root file system from $mirror (about a minute)"
  mmdebstrap --quiet "${rootfs_options[@]}" "$DEBIAN_SUITE" "$rootfs.part.tar" \
    "deb $mirror $DEBIAN_SUITE main" "deb $mirror $DEBIAN_SUITE-updates main" \
    "deb $security $DEBIAN_SUITE-security main" >&2
  mv -f "$rootfs.part.tar" "$rootfs"
  # Root file systems made with other options are not used again.
  find "$cache" -maxdepth 1 -name "rootfs-*.tar" ! -name "${rootfs##*/}" -delete
fi
cp "$rootfs" "$context/rootfs.tar"

# 2. Node, checked against the pinned integrity, stripped of its debug information (about 18 MB).
node_tgz="$cache/node-linux-$node_arch-$NODE_VERSION.tgz"
integrity=${NODE_INTEGRITY[$node_arch]}
check_integrity() {
  [ "$(node -e 'const c = require("node:crypto"), fs = require("node:fs");
    process.stdout.write("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$1")" = "$integrity" ]
}
if [ ! -s "$node_tgz" ] || ! check_integrity "$node_tgz"; then
  log "fetching node-linux-$node_arch@$NODE_VERSION from the npm registry"
  (cd "$context" && npm pack --silent "node-linux-$node_arch@$NODE_VERSION" >/dev/null)
  mv -f "$context/node-linux-$node_arch-$NODE_VERSION.tgz" "$node_tgz"
  check_integrity "$node_tgz" || { rm -f "$node_tgz"; fail "node-linux-$node_arch@$NODE_VERSION does not match the pinned integrity"; }
fi
mkdir -p "$context/node"
tar -xzf "$node_tgz" -C "$context/node" --strip-components=2 package/bin/node
strip "$context/node/node"

# The single executable: scripts/build-sea.mjs run by that Node over the bundle, in a copy of the
# layout it expects, so the repository's own dist/mirrorset-hosts-sea (made with the Node that runs
# the tests) is left alone. postject comes from this repository's devDependencies.
mkdir -p "$context/sea/scripts" "$context/sea/dist"
cp "$repo/scripts/build-sea.mjs" "$context/sea/scripts/"
cp "$bundle" "$context/sea/dist/"
PATH="$repo/node_modules/.bin:$PATH" "$context/node/node" "$context/sea/scripts/build-sea.mjs" >&2 \
  || fail "the single executable could not be built"
mv "$context/sea/dist/mirrorset-hosts-sea" "$context/mirrorset-hosts"
rm -rf "$context/sea" "$context/node"

# 3. ssh for any uid. OpenSSH's ssh exits with "No user exists for uid N" when getpwuid(getuid())
# finds nothing (ssh.c, main). The applier runs `ssh` from PATH with only PATH and LC_ALL in its
# environment (src/io/ssh.ts), so this wrapper, first on PATH, is what it starts: a uid with a passwd
# entry gets /usr/bin/ssh untouched; any other gets a one-line passwd and group file in /tmp (the
# pod's writable emptyDir) through nss_wrapper, written once per uid and renamed into place so that
# parallel sessions never read half a file.
cat > "$context/ssh" <<'EOF'
#!/bin/sh
# mirrorset-hosts: ssh for a uid without a passwd entry (docs/image.md); see scripts/build-image.sh.
if id -un >/dev/null 2>&1; then exec /usr/bin/ssh "$@"; fi
uid=$(id -u) gid=$(id -g)
dir=/tmp/.mirrorset-hosts-nss-$uid
mkdir -m 0700 "$dir" 2>/dev/null
if [ -L "$dir" ] || [ ! -d "$dir" ] || [ ! -O "$dir" ]; then
  echo "ssh: uid $uid has no passwd entry and $dir is not a directory of its own in a writable /tmp" >&2
  exit 255
fi
if [ ! -s "$dir/passwd" ] || [ ! -s "$dir/group" ]; then
  printf 'mirrorset-hosts:x:%s:%s:mirrorset-hosts:/tmp:/usr/sbin/nologin\n' "$uid" "$gid" > "$dir/passwd.$$" &&
    printf 'mirrorset-hosts:x:%s:\n' "$gid" > "$dir/group.$$" &&
    mv -f "$dir/passwd.$$" "$dir/passwd" && mv -f "$dir/group.$$" "$dir/group" || exit 255
fi
NSS_WRAPPER_PASSWD=$dir/passwd NSS_WRAPPER_GROUP=$dir/group LD_PRELOAD=libnss_wrapper.so exec /usr/bin/ssh "$@"
EOF
chmod 0755 "$context/ssh" "$context/mirrorset-hosts"

# 4. The image. With --refresh, the image that had this tag is removed once nothing names it.
previous=$(buildah inspect --type image --format '{{.FromImageID}}' "$ref" 2>/dev/null || true)
log "building $ref"
buildah build --quiet --layers=false --pull=never -f "$repo/Containerfile" \
  --build-arg VERSION="$version" --build-arg NODE_VERSION="$NODE_VERSION" \
  --build-arg DEBIAN_SUITE="$DEBIAN_SUITE" --build-arg INPUTS="$inputs" \
  -t "$ref" -t "$name:$version" "$context" >/dev/null
# Earlier builds of this name from other inputs (each a full image) go, so that a developer's or CI's
# storage does not grow with every change; only tags this script makes are looked at.
buildah images --noheading --format '{{.Name}}:{{.Tag}}' | { grep -E "^$name:[^:]+-[0-9a-f]{12}\$" || true; } \
  | while read -r old; do [ "$old" = "$ref" ] || buildah rmi "$old" >/dev/null 2>&1 || true; done
if [ -n "$previous" ] && [ "$previous" != "$(buildah inspect --type image --format '{{.FromImageID}}' "$ref")" ]; then
  buildah rmi "$previous" >/dev/null 2>&1 || true
fi
size=$(buildah images --noheading --format '{{.Size}}' "$ref" | sed -n 1p)
log "built $ref ($size)"
echo "$ref"
