#!/bin/sh
# Install Julia into DEST (a project-local folder, `make setup` uses .tools/julia):
#   1. the official release the Dockerfile pins (same version and sha256, same check), when
#      julialang.org can be reached and the machine is Linux x86_64;
#   2. otherwise Julia 1.5.3 from Debian bullseye packages (scripts/install-julia-bullseye.sh), with
#      one line saying so: MultiPL-E's evaluation container runs a newer Julia, and a completion
#      calling a function added to Base after 1.5 fails here (docs/julia.md). The run's report
#      records the Julia version and warns beside Julia pass@1.
# A downloaded tarball whose sha256 differs is an error, never a fallback.
# Overrides (tests use them, without network): JULIA_VERSION, JULIA_SHA256, JULIA_URL,
# MPLT_JULIA_BULLSEYE (the fallback script, then run without sudo).
# Usage: install-julia.sh DEST
set -eu
DEST=$(realpath -m "$1")
if [ -x "$DEST/julia" ] && "$DEST/julia" --version >/dev/null 2>&1; then
  exit 0
fi
JULIA_VERSION=${JULIA_VERSION:-1.10.8}
JULIA_SHA256=${JULIA_SHA256:-0410175aeec3df63173c15187f2083f179d40596d36fd3a57819cc5f522ae735}
minor=${JULIA_VERSION%.*}
JULIA_URL=${JULIA_URL:-https://julialang-s3.julialang.org/bin/linux/x64/$minor/julia-$JULIA_VERSION-linux-x86_64.tar.gz}
here=$(cd "$(dirname "$0")" && pwd)
fallback=${MPLT_JULIA_BULLSEYE:-$here/install-julia-bullseye.sh}

bullseye() {
  echo "[julia] $1: installing Julia 1.5.3 from Debian bullseye instead (older than the published figures' Julia; the report warns)"
  if [ "$(id -u)" = 0 ] || [ -n "${MPLT_JULIA_BULLSEYE:-}" ]; then "$fallback" "$DEST"
  else sudo "$fallback" "$DEST" && sudo chown -R "$(id -u)" "$DEST"; fi
  exit $?
}

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || bullseye "no official x86_64 Linux tarball fits $(uname -s)-$(uname -m)"
command -v curl >/dev/null || bullseye "curl is not installed"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Bounded waits: a firewall that drops packets must not hang `make setup` or `docker build`
# (10 s to connect; a transfer slower than 10 kB/s for 60 s is given up).
if ! curl -fsSL --connect-timeout 10 --speed-limit 10000 --speed-time 60 --retry 2 \
     -o "$TMP/julia.tar.gz" "$JULIA_URL" 2>"$TMP/curl.err"; then
  bullseye "cannot download Julia $JULIA_VERSION ($(head -n 1 "$TMP/curl.err"))"
fi
if ! echo "$JULIA_SHA256  $TMP/julia.tar.gz" | sha256sum --check --strict --status -; then
  echo "[julia] ERROR: $JULIA_URL does not have the pinned sha256 $JULIA_SHA256; not installing it" >&2
  exit 1
fi
rm -rf "$DEST/release"
mkdir -p "$DEST/release"
tar -xzf "$TMP/julia.tar.gz" -C "$DEST/release" --strip-components 1
cat > "$DEST/julia" <<WRAP
#!/bin/sh
exec "$DEST/release/bin/julia" "\$@"
WRAP
chmod 755 "$DEST/julia"
echo "[julia] installed the official release: $("$DEST/julia" --version)"
