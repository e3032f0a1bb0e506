#!/bin/sh
# Make a minimal Debian 12 (bookworm) root file system in DEST with debootstrap's `minbase` variant
# (essential packages and apt only), plus PACKAGES. The two scripts that stand in for a stock
# machine start from it: scripts/check-setup-bookworm.sh (`make setup` in a chroot) and
# scripts/make-bookworm-base.sh (a local stand-in for the python:3.11-slim-bookworm image).
#   * the archive is the host's own bookworm mirror (its apt sources), else deb.debian.org; the root
#     gets bookworm, bookworm-updates and bookworm-security as deb822 sources, as Debian's images do;
#   * the host's CA bundle (/etc/ssl/certs/ca-certificates.crt) is added to the root as a local CA,
#     so HTTPS through a proxy that the host trusts (pip to PyPI) works there too, and survives
#     update-ca-certificates.
# Needs root and debootstrap (apt-get install debootstrap). Usage: bookworm-root.sh DEST [PACKAGES...]
set -eu
[ $# -ge 1 ] || { echo "usage: $0 DEST [PACKAGES...]" >&2; exit 2; }
DEST=$(realpath -m "$1")
shift
[ "$(id -u)" = 0 ] || { echo "error: $0 needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "error: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
if [ -e "$DEST" ] && [ -n "$(ls -A "$DEST" 2>/dev/null)" ]; then
  echo "error: $DEST is not empty: give a new directory" >&2; exit 1
fi

# The host's bookworm-main archive, one-line or deb822 sources (as scripts/install-julia-bullseye.sh).
mirror=${MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
  | awk '$1=="deb" && / bookworm / && / main/ {for(i=2;i<=NF;i++) if ($i ~ /^(https?|ftp):/) {print $i; exit}}')}
if [ -z "$mirror" ]; then
  mirror=$(awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm( |\n|$)/ && /Components:[^\n]*main/ {
          n=split($0, l, "\n"); for(i=1;i<=n;i++) if (l[i] ~ /^URIs:/) {split(l[i], f, " "); print f[2]; exit}}' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
fi
mirror=${mirror:-http://deb.debian.org/debian}
security=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

include=ca-certificates
for p in "$@"; do include="$include,$p"; done
echo "[bookworm-root] debootstrap --variant=minbase bookworm $DEST $mirror (+ $include)"
debootstrap --variant=minbase --include="$include" bookworm "$DEST" "$mirror" >"$DEST.debootstrap.log" 2>&1 \
  || { tail -n 20 "$DEST.debootstrap.log" >&2; echo "error: debootstrap failed (log: $DEST.debootstrap.log)" >&2; exit 1; }
rm -f "$DEST.debootstrap.log"

rm -f "$DEST/etc/apt/sources.list"
cat > "$DEST/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  mkdir -p "$DEST/usr/local/share/ca-certificates"
  cp /etc/ssl/certs/ca-certificates.crt "$DEST/usr/local/share/ca-certificates/host-bundle.crt"
  chroot "$DEST" update-ca-certificates >/dev/null 2>&1
fi
cp /etc/resolv.conf "$DEST/etc/resolv.conf" 2>/dev/null || true
# Package lists are left out, as in Debian's images: whoever installs runs apt-get update first.
rm -rf "$DEST"/var/lib/apt/lists/* "$DEST"/var/cache/apt/archives/*.deb
echo "[bookworm-root] $DEST: $(du -sh "$DEST" | cut -f1)"
