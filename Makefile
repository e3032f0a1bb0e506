# mplt: `make reproduce` runs the pipeline end to end; `make test` runs the test suite.
# Both set everything up first (scripts/setup.sh is idempotent).
PY := .venv/bin/python
PROFILE ?=
RUN_DIR ?=
# Offline by default on machines without Hub access; `make reproduce HF_OFFLINE=0` to download.
HF_OFFLINE ?= $(if $(filter scaled paper-1b-eval paper-1b-finetune,$(PROFILE)),0,1)
export HF_HUB_OFFLINE := $(HF_OFFLINE)
export TRANSFORMERS_OFFLINE := $(HF_OFFLINE)
PYTEST_ARGS ?=
IMAGE ?= mplt:latest

.PHONY: setup test reproduce doctor docker docker-reproduce lint-docker bench clean

setup:
	bash scripts/setup.sh

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

reproduce: setup
	$(PY) reproduce.py run $(if $(PROFILE),--profile $(PROFILE)) $(if $(RUN_DIR),--run-dir $(RUN_DIR))

doctor: setup
	$(PY) reproduce.py doctor

bench: setup
	$(PY) bench/execution.py
	$(PY) bench/translate_eval.py
	$(PY) bench/pipeline.py
	$(PY) bench/finetune.py

docker:
	docker build -t $(IMAGE) .

# The Hub is on unless PROFILE=smoke (with a GPU the default profile is `scaled`); models are cached
# on the host. DOCKER_RUN_FLAGS: e.g. the flags that let bubblewrap sandbox inside (README "Docker").
DOCKER_RUN_FLAGS ?=
HF_CACHE ?= $(HOME)/.cache/huggingface
docker-reproduce:
	mkdir -p runs "$(HF_CACHE)"
	docker run --rm --gpus all $(DOCKER_RUN_FLAGS) -v "$(CURDIR)/runs:/opt/mplt/runs" \
		-v "$(HF_CACHE):/root/.cache/huggingface" $(IMAGE) \
		make reproduce $(if $(PROFILE),PROFILE=$(PROFILE)) RUN_DIR=runs/docker \
		HF_OFFLINE=$(if $(filter smoke,$(PROFILE)),1,0)

lint-docker: setup
	.venv/bin/hadolint Dockerfile

clean:
	rm -rf .venv .tools
