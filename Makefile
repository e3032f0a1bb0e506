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

docker-reproduce:
	mkdir -p runs
	docker run --rm --gpus all -v "$(CURDIR)/runs:/opt/mplt/runs" $(IMAGE) \
		make reproduce $(if $(PROFILE),PROFILE=$(PROFILE)) RUN_DIR=runs/docker

lint-docker: setup
	.venv/bin/hadolint Dockerfile

clean:
	rm -rf .venv .tools
