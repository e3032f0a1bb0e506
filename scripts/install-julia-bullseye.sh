#!/bin/sh
# Install Julia 1.5.3 from Debian bullseye packages into a project-local folder: the fallback of
# scripts/install-julia.sh when the official release cannot be downloaded. Why this route: bookworm
# ships no Julia, and machines without access to julialang.org still reach the Debian archive
# (docs/julia.md). Needs root (apt-get download with a private configuration).
# Usage: install-julia-bullseye.sh DEST
set -eu
DEST=$(realpath -m "$1")
if [ -x "$DEST/julia" ] && "$DEST/julia" --version >/dev/null 2>&1; then
  exit 0
fi
APTDIR=$(mktemp -d)
chmod 755 "$APTDIR"
trap 'rm -rf "$APTDIR"' EXIT
mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/debs" "$DEST"

# Take the archive URI from the machine's own bookworm-main source (one-line or deb822 format).
uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
  | awk '$1=="deb" && / bookworm / && / main/ {for(i=2;i<=NF;i++) if ($i ~ /^(https?|ftp):/) {print $i; exit}}')
if [ -z "$uri" ]; then
  uri=$(awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm( |\n|$)/ && /Components:[^\n]*main/ {
          n=split($0, l, "\n"); for(i=1;i<=n;i++) if (l[i] ~ /^URIs:/) {split(l[i], f, " "); print f[2]; exit}}' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
fi
[ -n "$uri" ] || uri=http://deb.debian.org/debian
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri bullseye main" > "$APTDIR/sources.list"

set -- -o "Dir::Etc::SourceList=$APTDIR/sources.list" -o Dir::Etc::SourceParts=/dev/null \
       -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache=$APTDIR/cache" -o APT::Sandbox::User=root
apt-get "$@" -qq update
cd "$APTDIR/debs"
# libunwind8 must come from bullseye: with bookworm's, a failing @test segfaults (docs/runtime.md, section 6.2).
for p in julia julia-common libjulia1 libdsfmt-19937-1 libgit2-1.1 libhttp-parser2.9 libllvm9 \
         libmbedcrypto3 libmbedtls12 libmbedx509-0 libopenlibm3 libutf8proc2 libffi7 libssh2-1 libunwind8; do
  apt-get "$@" -qq download "$p/bullseye"
done
for deb in *.deb; do dpkg -x "$deb" "$DEST"; done
lib="$DEST/usr/lib/x86_64-linux-gnu"

# The bookworm libraries the unpacked binaries load (found with ldd on a minimal Debian 12 root,
# scripts/check-setup-bookworm.sh): the four linked below, and those of LLVM 9 (libedit, libz3),
# OpenBLAS (libgfortran) and libgit2 (libpcre3). A full desktop has them; debootstrap's minbase and
# the python:3.11-slim image do not (docs/runtime.md, section 6.2).
runtime="libpcre2-8-0 libgmp10 libcurl3-gnutls libmpfr6 libedit2 libz3-4 libgfortran5 libpcre3"
absent=
for p in $runtime; do
  case $(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null) in ii*) ;; *) absent="$absent $p" ;; esac
done
if [ -n "$absent" ]; then
  echo "[julia] apt-get install$absent (libraries of the bullseye binaries)"
  apt-get -qq update
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $absent >/dev/null
fi
for so in libpcre2-8.so.0 libgmp.so.10 libcurl-gnutls.so.4 libmpfr.so.6; do
  ln -sf "/usr/lib/x86_64-linux-gnu/$so" "$lib/$so"
done
# Anything still missing is named here rather than as a loader error at Julia's first start.
missing=$(for f in "$DEST/usr/bin/julia" "$lib"/*.so.* "$lib"/julia/*.so*; do
            LD_LIBRARY_PATH="$lib:$lib/julia" ldd "$f" 2>/dev/null; done | awk '/not found/ {print $1}' | sort -u)
if [ -n "$missing" ]; then
  echo "[julia] ERROR: the bullseye Julia needs shared libraries this system lacks:" $missing >&2
  exit 1
fi
cat > "$DEST/julia" <<WRAP
#!/bin/sh
export LD_LIBRARY_PATH="$lib:$lib/julia\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
exec "$DEST/usr/bin/julia" "\$@"
WRAP
chmod 755 "$DEST/julia"
"$DEST/julia" --version
