#!/bin/sh
# Fetches Debian's `containerd` package for SUITE (e.g. trixie, sid) with `apt-get download` into
# a PRIVATE apt state under CACHE_DIR, unpacks it with `dpkg-deb -x`, and prints the directory that
# holds its `containerd` and `ctr`. Nothing is installed; the system's apt state and sources are
# never read or written. Reruns reuse the unpacked tree (no network); delete CACHE_DIR to refresh.
#
# usage: scripts/fetch-containerd.sh SUITE CACHE_DIR
# (the containerd end-to-end suite calls it; see docs/containerd-proof.md)
set -eu

suite=${1:?usage: fetch-containerd.sh SUITE CACHE_DIR}
cache=${2:?usage: fetch-containerd.sh SUITE CACHE_DIR}
mirror=${MIRRORSET_HOSTS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

dir=$cache/apt-$suite
bin=$dir/root/usr/bin
mkdir -p "$dir"

# One fetch per suite at a time, also across concurrent test runs.
exec 9>"$dir.lock"
flock 9

if [ -x "$bin/containerd" ] && [ -x "$bin/ctr" ]; then
  echo "$bin"
  exit 0
fi

if ! ls "$dir"/debs/containerd_*.deb >/dev/null 2>&1; then
  [ -r "$keyring" ] || { echo "fetch-containerd: $keyring missing (package debian-archive-keyring)" >&2; exit 1; }
  mkdir -p "$dir/etc/apt.conf.d" "$dir/etc/preferences.d" "$dir/etc/sources.list.d" \
    "$dir/state/lists/partial" "$dir/cache/archives/partial" "$dir/debs"
  : >"$dir/state/status"
  echo "deb [signed-by=$keyring] $mirror $suite main" >"$dir/etc/sources.list"
  # APT_CONFIG is read before Dir::Etc::Parts, so pointing Parts at an empty private directory
  # keeps /etc/apt/apt.conf.d out as well. Check-Valid-Until/Check-Date are off because this
  # machine's deb.debian.org serves a dated snapshot whose Release files have expired.
  cat >"$dir/apt.conf" <<CONF
Dir::Etc::SourceList "$dir/etc/sources.list";
Dir::Etc::SourceParts "$dir/etc/sources.list.d";
Dir::Etc::Parts "$dir/etc/apt.conf.d";
Dir::Etc::Preferences "$dir/etc/preferences";
Dir::Etc::PreferencesParts "$dir/etc/preferences.d";
Dir::State "$dir/state";
Dir::State::status "$dir/state/status";
Dir::Cache "$dir/cache";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
Acquire::Check-Date "false";
Acquire::http::Timeout "30";
Acquire::Retries "2";
APT::Sandbox::User "root";
CONF
  export APT_CONFIG="$dir/apt.conf"
  apt-get -qq update >&2
  (cd "$dir/debs" && apt-get -qq download containerd >&2)
  # The package index (~160 MB) is only needed to find the .deb; the .deb is what gets reused.
  rm -rf "$dir/state/lists" "$dir/cache"
fi

deb=$(ls "$dir"/debs/containerd_*.deb | tail -n 1)
rm -rf "$dir/root.tmp"
dpkg-deb -x "$deb" "$dir/root.tmp"
rm -rf "$dir/root"
mv "$dir/root.tmp" "$dir/root"
[ -x "$bin/containerd" ] && [ -x "$bin/ctr" ] || { echo "fetch-containerd: $deb has no usr/bin/containerd and ctr" >&2; exit 1; }
echo "$bin"
