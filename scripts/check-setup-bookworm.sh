#!/bin/bash
# `make setup` on a stock Debian 12, with julialang.org unreachable: a minimal bookworm root
# (scripts/bookworm-root.sh, debootstrap minbase + python3 and make, as a user would install them),
# this checkout copied into it, `make setup` run in a chroot, then checked:
#   * julia works (`julia --version`) and a failing @test exits 1 (docs/runtime.md, section 6.2);
#   * no toolchain is missing (python -m mplt.langs --apt-packages --missing prints nothing);
#   * the setup stamp is written, and a second `make setup` finds everything up to date;
#   * `import vllm` works where setup was asked to install it (MPLT_VLLM=cpu|cuda, or auto with a
#     CPU build of torch), and is absent where it was not.
# julialang.org (and julialang-s3) resolve to 0.0.0.0 inside the root, so the official download
# fails at once and the bullseye fallback runs, as on machines that cannot reach julialang.org.
# --host-pip carries the host's pip configuration into the root (its config files and the local
# wheel directories they name, read-only), so a machine with a local torch wheel uses it; without
# it pip takes torch from PyPI (the CUDA build, several GB).
# Needs root and debootstrap. Prints the time of each step; the root stays in WORKDIR for a look.
# Usage: check-setup-bookworm.sh [--host-pip] [--vllm auto|cpu|cuda|0] WORKDIR
set -euo pipefail
host_pip=0
vllm=auto
while [ $# -gt 1 ]; do
  case $1 in
    --host-pip) host_pip=1; shift ;;
    --vllm) vllm=$2; shift 2 ;;
    *) echo "error: unknown option $1 (usage: $0 [--host-pip] [--vllm auto|cpu|cuda|0] WORKDIR)" >&2; exit 2 ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--host-pip] [--vllm auto|cpu|cuda|0] WORKDIR" >&2; exit 2; }
case $vllm in auto|cpu|cuda|0) ;; *) echo "error: --vllm must be auto, cpu, cuda or 0, not $vllm" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
WORK=$(realpath -m "$1")
ROOT=$WORK/root
[ "$(id -u)" = 0 ] || { echo "error: $0 needs root (debootstrap, chroot, mount)" >&2; exit 1; }
mkdir -p "$WORK"

mounted=()
cleanup() {
  local i
  for (( i=${#mounted[@]}-1; i>=0; i-- )); do umount -l "${mounted[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() {  # bind SOURCE [ro]: SOURCE at the same path inside the root
  local target=$ROOT$1
  if [ -d "$1" ]; then mkdir -p "$target"; else mkdir -p "$(dirname "$target")"; touch "$target"; fi
  mount --bind "$1" "$target"
  mounted+=("$target")
  if [ "${2:-}" = ro ]; then mount -o remount,bind,ro "$target"; fi
}
step() { printf '[check-setup] %s\n' "$*"; }
t0=$(date +%s)

step "1. minimal bookworm root in $ROOT"
"$here/bookworm-root.sh" "$ROOT" python3 make
t_root=$(( $(date +%s) - t0 ))

step "2. copy the checkout (tracked and unignored files) to /opt/mplt"
mkdir -p "$ROOT/opt/mplt"
# Never the checkout's own environment (.venv, .tools may be links to another checkout's) or runs.
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | grep -zvE '^(\.venv|\.tools|runs)(/|$)' \
   | tar --null -T - --ignore-failed-read -c 2>/dev/null) | tar -x -C "$ROOT/opt/mplt"
printf '0.0.0.0 julialang-s3.julialang.org julialang.org\n' >> "$ROOT/etc/hosts"

mount -t proc proc "$ROOT/proc"; mounted+=("$ROOT/proc")
mount -t sysfs sysfs "$ROOT/sys"; mounted+=("$ROOT/sys")
bind /dev
mount -t devpts devpts "$ROOT/dev/pts" -o newinstance,ptmxmode=0666 2>/dev/null && mounted+=("$ROOT/dev/pts") || true

envs=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 MPLT_VLLM="$vllm")
if [ "$host_pip" = 1 ]; then
  # The host's pip configuration files, and the local paths their values and PIP_* name (a local
  # index `.../simple` with the files beside it that its pages link to).
  for f in /etc/pip.conf /etc/xdg/pip/pip.conf /root/.config/pip/pip.conf /root/.pip/pip.conf; do
    [ -f "$f" ] && bind "$f" ro
  done
  while read -r path; do bind "$path" ro; done < <(
    { python3 -m pip config list 2>/dev/null || true; env | grep '^PIP_' || true; } \
      | grep -oE "(file://)?/[^' ]+" | sed -e 's|^file://||' -e 's|/simple/*$||' | while read -r p; do
          [ -e "$p" ] && [ "${p#/etc/ssl}" = "$p" ] && echo "$p"; done | sort -u)
  while IFS= read -r line; do envs+=("$line"); done < <(env | grep '^PIP_' || true)
fi
in_root() { chroot "$ROOT" env -i "${envs[@]}" bash -c "cd /opt/mplt && $1"; }

step "3. make setup (julialang.org unreachable, MPLT_VLLM=$vllm, host pip configuration: $host_pip)"
t1=$(date +%s)
if ! in_root "make setup" 2>&1 | tee "$WORK/setup.log"; then
  step "FAILED: make setup exited non-zero after $(( $(date +%s) - t1 )) s (log: $WORK/setup.log)"
  exit 1
fi
t_setup=$(( $(date +%s) - t1 ))

step "4. checks"
failed=0
check() {  # check NAME COMMAND: one line each
  local out
  if out=$(in_root "$2" 2>&1); then step "  ok    $1${out:+: $(echo "$out" | tail -n 1)}"
  else step "  FAIL  $1: $(echo "$out" | tail -n 3 | tr '\n' ' ')"; failed=1; fi
}
check "julia --version" 'J=$(command -v julia || echo .tools/julia/julia); $J --version'
check "a failing @test exits 1" 'J=$(command -v julia || echo .tools/julia/julia); $J -e "using Test; @test 1 == 2" >/dev/null 2>&1; rc=$?; [ $rc = 1 ] || { echo "exit $rc"; exit 1; }; echo "exit 1"'
check "no toolchain missing" 'out=$(python3 -m mplt.langs --apt-packages --missing); [ -z "$out" ] || { echo "missing: $out"; exit 1; }'
check "setup stamp" 'test -s .venv/.mplt-installed && cat .venv/.mplt-installed'
stamp_before=$(cat "$ROOT/opt/mplt/.venv/.mplt-installed" 2>/dev/null || echo none)
t2=$(date +%s)
check "second make setup is a no-op" 'out=$(make setup 2>&1); echo "$out" | grep -q ".venv up to date" || { echo "$out"; exit 1; }; echo ".venv up to date"'
t_again=$(( $(date +%s) - t2 ))
[ "$(cat "$ROOT/opt/mplt/.venv/.mplt-installed" 2>/dev/null)" = "$stamp_before" ] || { step "  FAIL  the stamp changed"; failed=1; }
read -r pin kind < <(in_root ".venv/bin/python -m mplt.torch_build" 2>/dev/null || echo "none none")
want_vllm=0
case $vllm in cpu|cuda) want_vllm=1 ;; auto) [ "$kind" = cpu ] && want_vllm=1 ;; esac
if [ "$want_vllm" = 1 ]; then
  check "import vllm ($pin $kind)" '.venv/bin/python -c "import vllm; print(\"vllm\", vllm.__version__)"'
else
  check "no vllm asked ($pin $kind, MPLT_VLLM=$vllm)" '! .venv/bin/python -c "import vllm" 2>/dev/null && echo "not installed"'
fi
cleanup
mounted=()
step "times: root ${t_root} s, make setup ${t_setup} s, second make setup ${t_again} s; root $(du -sxh "$ROOT" | cut -f1)"
[ "$failed" = 0 ] && step "PASSED" || { step "FAILED"; exit 1; }
