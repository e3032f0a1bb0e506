# mplt: one image with everything `make reproduce` needs on a GPU host: the package and its pinned
# Python dependencies (CUDA-capable torch), the language toolchains of mplt/langs (setup.sh installs
# the registry's Debian packages: python -m mplt.langs --apt-packages), Julia and bubblewrap.
#
#   make docker                                   # docker build -t mplt:latest .
#   make docker-reproduce PROFILE=paper-1b-eval   # runs `make reproduce` inside, GPU + ./runs mounted
#
# Toolchains and the virtualenv come from scripts/setup.sh, the same script as `make setup` and CI,
# so what CI tests is what the image runs. Only Julia differs: here an official release (checksum
# verified), which setup.sh picks up from PATH instead of installing 1.5.3 from Debian bullseye.
#
# Base image: python:3.11-slim-bookworm, not nvidia/cuda. PyPI's torch wheels for Linux x86_64 are
# the CUDA builds and bring the CUDA runtime as nvidia-* wheels, so the image needs no CUDA base; the
# host needs the NVIDIA driver and the NVIDIA container toolkit (`docker run --gpus all`). Bookworm
# matches the Debian 12 machines setup.sh is tested on. To pick another CUDA build, e.g.:
#   docker build --build-arg TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128" .
FROM python:3.11-slim-bookworm

# Julia 1.10.8 (LTS line). The sha256 is the one published in julialang's checksum file
# (https://julialang-s3.julialang.org/bin/checksums/julia-1.10.8.sha256) as copied by the official
# docker-library/julia image, nixpkgs and spack; we could not download the tarball to confirm it
# ourselves, so the first build is what verifies it (sha256sum --check fails the build on mismatch).
ARG JULIA_VERSION=1.10.8
ARG JULIA_SHA256=0410175aeec3df63173c15187f2083f179d40596d36fd3a57819cc5f522ae735
ARG TORCH_SPEC="torch==2.13.0"
# The vllm backend's CUDA wheel (vllm==0.32.0, constraints.txt); MPLT_VLLM=0 builds without it.
ARG MPLT_VLLM=cuda

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# make runs the entry points; curl fetches Julia. Debian stable versions are not pinned: bookworm
# only takes security fixes, and an exact pin breaks the build as soon as one lands.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl make \
    && rm -rf /var/lib/apt/lists/*

RUN curl -fsSL -o /tmp/julia.tar.gz \
        "https://julialang-s3.julialang.org/bin/linux/x64/${JULIA_VERSION%.*}/julia-${JULIA_VERSION}-linux-x86_64.tar.gz" \
    && echo "${JULIA_SHA256}  /tmp/julia.tar.gz" | sha256sum --check --strict - \
    && mkdir -p /opt/julia \
    && tar -xzf /tmp/julia.tar.gz -C /opt/julia --strip-components 1 \
    && rm /tmp/julia.tar.gz \
    && ln -s /opt/julia/bin/julia /usr/local/bin/julia \
    && julia --version

WORKDIR /opt/mplt

# What setup.sh needs to install the package (editable) and its pinned dependencies; the rest of the
# repository is copied afterwards so that editing tests or docs does not redo this layer.
COPY pyproject.toml constraints.txt README.md ./
COPY scripts/ scripts/
COPY mplt/ mplt/
RUN TORCH_SPEC="${TORCH_SPEC}" MPLT_VLLM="${MPLT_VLLM}" bash scripts/setup.sh \
    && rm -rf /var/lib/apt/lists/* \
    && .venv/bin/python -c "import torch; print('torch', torch.__version__, 'CUDA build', torch.version.cuda)"

COPY . .

ENV PATH=/opt/mplt/.venv/bin:$PATH

CMD ["make", "reproduce"]
