# Two commands do all the set-up: `make run` and `make test`. Both use the virtual environment .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INDEX ?= index
export GRADIO_ANALYTICS_ENABLED = False
export HF_HUB_OFFLINE = 1

.PHONY: run test install install-test sample-index eval eval-llm browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,st]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

sample-index: install
	@if [ ! -f "$(INDEX)/CURRENT" ]; then \
		echo "Building the sample index in $(INDEX) (about 30 s)..."; \
		$(BIN)/assistant --index $(INDEX) ingest --quiet sample; \
	fi

# Serve the chat UI on http://127.0.0.1:7860 over the sample index (built once).
run: sample-index
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

eval: install
	$(BIN)/python eval/run.py --retrieval all

# The same evaluation with the LLM answerer against a local llama.cpp server (reported, not gated).
eval-llm: install-test
	$(BIN)/python eval/run.py --answerer llm

clean:
	rm -rf $(VENV) $(INDEX) .pytest_cache
