# mplt: one image with everything `make reproduce` needs on a GPU host: the package and its pinned
# Python dependencies (CUDA-capable torch), the language toolchains of mplt/langs (setup.sh installs
# the registry's Debian packages: python -m mplt.langs --apt-packages), Julia and bubblewrap.
#
#   make docker                                   # docker build -t mplt:latest .
#   make docker-reproduce PROFILE=paper-1b-eval   # runs `make reproduce` inside, ./runs mounted
#                                                 # (--gpus all where the host's nvidia-smi works)
#
# Toolchains and the virtualenv come from scripts/setup.sh, the same script as `make setup` and CI,
# so what CI tests is what the image runs. Julia comes from the same scripts/install-julia.sh, run
# in a layer of its own (into /opt/julia, on PATH), so that editing the package does not reinstall it.
#
# Base image: python:3.11-slim-bookworm, not nvidia/cuda. PyPI's torch wheels for Linux x86_64 are
# the CUDA builds and bring the CUDA runtime as nvidia-* wheels, so the image needs no CUDA base; the
# host needs the NVIDIA driver and the NVIDIA container toolkit (`docker run --gpus all`). Bookworm
# matches the Debian 12 machines setup.sh is tested on. To pick another CUDA build, e.g.:
#   docker build --build-arg TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128" .
# BASE_IMAGE: another bookworm image with Python 3.11 and pip, e.g. a local stand-in where Docker Hub
# cannot be reached (scripts/make-bookworm-base.sh builds one from the Debian mirror).
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

# Julia 1.10.8 (LTS line), installed by scripts/install-julia.sh as `make setup` installs it: the
# official release, its sha256 checked (a mismatch fails the build), and where julialang.org cannot
# be reached (curl gives up after bounded waits) Julia 1.5.3 from Debian bullseye packages with the
# libraries it needs (docs/julia.md). The sha256 is the one published in julialang's checksum file
# (https://julialang-s3.julialang.org/bin/checksums/julia-1.10.8.sha256) as copied by the official
# docker-library/julia image, nixpkgs and spack.
ARG JULIA_VERSION=1.10.8
ARG JULIA_SHA256=0410175aeec3df63173c15187f2083f179d40596d36fd3a57819cc5f522ae735
ARG TORCH_SPEC="torch==2.13.0"
# The vllm backend's CUDA wheel (vllm==0.32.0, constraints.txt); MPLT_VLLM=0 builds without it.
ARG MPLT_VLLM=cuda

# TORCH_SPEC and MPLT_VLLM stay set at run time: setup.sh's stamp hashes them, so `make reproduce`
# in the container finds the environment it was built with and installs nothing.
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TORCH_SPEC="${TORCH_SPEC}" \
    MPLT_VLLM="${MPLT_VLLM}"

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# make runs the entry points; curl fetches Julia. Debian stable versions are not pinned: bookworm
# only takes security fixes, and an exact pin breaks the build as soon as one lands.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl make \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/mplt

COPY scripts/install-julia.sh scripts/install-julia-bullseye.sh scripts/
RUN JULIA_VERSION="${JULIA_VERSION}" JULIA_SHA256="${JULIA_SHA256}" sh scripts/install-julia.sh /opt/julia \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s /opt/julia/julia /usr/local/bin/julia \
    && julia --version

# What setup.sh needs to install the package (editable) and its pinned dependencies: the modules it
# runs (mplt.langs lists the toolchains' Debian packages and finds them through mplt.settings,
# mplt.torch_build names the installed torch). The rest of the repository is copied afterwards, so that editing the package, its tests or
# docs does not redo this layer of several GB (tests/docker checks that these modules import alone).
COPY pyproject.toml constraints.txt README.md ./
COPY scripts/setup.sh scripts/
COPY mplt/__init__.py mplt/errors.py mplt/settings.py mplt/torch_build.py mplt/
COPY mplt/langs/ mplt/langs/
RUN bash scripts/setup.sh \
    && rm -rf /var/lib/apt/lists/* \
    && .venv/bin/python -c "import torch; print('torch', torch.__version__, 'CUDA build', torch.version.cuda)"

COPY . .

ENV PATH=/opt/mplt/.venv/bin:$PATH

CMD ["make", "reproduce"]
