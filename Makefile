# mplt: `make reproduce` runs the pipeline end to end; `make test` runs the test suite (`make test-fast`:
# without the tests marked slow, README "Tests").
# Both set everything up first (scripts/setup.sh is idempotent).
PY := .venv/bin/python
PROFILE ?=
RUN_DIR ?=
# The Hub is off for the offline `smoke` profile (the default without a GPU) and on for the Hub
# profiles (`scaled`, the default with a GPU); `make reproduce HF_OFFLINE=1|0` overrides.
HAS_GPU := $(shell nvidia-smi -L >/dev/null 2>&1 && echo 1)
EFFECTIVE_PROFILE := $(or $(PROFILE),$(if $(HAS_GPU),scaled,smoke))
HF_OFFLINE ?= $(if $(filter smoke,$(EFFECTIVE_PROFILE)),1,0)
export HF_HUB_OFFLINE := $(HF_OFFLINE)
export TRANSFORMERS_OFFLINE := $(HF_OFFLINE)
# REHEARSE=1: rehearse the profile (random tiny stand-ins, local data, minutes; README "Rehearse").
REHEARSE ?=
PYTEST_ARGS ?=
IMAGE ?= mplt:latest

.PHONY: setup test test-fast reproduce doctor docker docker-reproduce lint-docker bench clean

setup:
	bash scripts/setup.sh

test: setup
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

reproduce: setup
	$(PY) reproduce.py run $(if $(PROFILE),--profile $(PROFILE)) $(if $(RUN_DIR),--run-dir $(RUN_DIR)) \
		$(if $(REHEARSE),--rehearse)

doctor: setup
	$(PY) reproduce.py doctor

bench: setup
	$(PY) bench/execution.py
	$(PY) bench/translate_eval.py
	$(PY) bench/pipeline.py
	$(PY) bench/finetune.py

docker:
	docker build -t $(IMAGE) .

# The profile and the Hub setting are this host's (smoke and offline without a GPU). DOCKER_RUN_FLAGS:
# e.g. the flags that let bubblewrap sandbox inside (README "Docker"). `--gpus all` only where the
# host's nvidia-smi lists a GPU: without one Docker refuses the flag. --init reaps what sandboxed
# programs leave to PID 1. The container runs as root (the sandbox drops programs to uid 65534 from
# there); the run directory and the Hugging Face cache it wrote are handed back to the user who ran
# make when it ends.
DOCKER_RUN_FLAGS ?=
HF_CACHE ?= $(HOME)/.cache/huggingface
DOCKER_GPUS := $(if $(HAS_GPU),--gpus all)
HOST_OWNER := $(shell id -u):$(shell id -g)
docker-reproduce:
	mkdir -p runs "$(HF_CACHE)"
	docker run --rm --init $(DOCKER_GPUS) $(DOCKER_RUN_FLAGS) -v "$(CURDIR)/runs:/opt/mplt/runs" \
		-v "$(HF_CACHE):/root/.cache/huggingface" $(IMAGE) \
		sh -c 'make reproduce PROFILE=$(EFFECTIVE_PROFILE) RUN_DIR=runs/docker HF_OFFLINE=$(HF_OFFLINE); rc=$$?; \
		chown -R $(HOST_OWNER) runs/docker /root/.cache/huggingface; exit $$rc'

lint-docker: setup
	.venv/bin/hadolint Dockerfile

clean:
	rm -rf .venv .tools
