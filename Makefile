# Two commands do all the set-up: `make run` and `make test`. Both use the virtual environment .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INDEX ?= index
export GRADIO_ANALYTICS_ENABLED = False
export HF_HUB_OFFLINE = 1

.PHONY: run test install install-test sample-index eval clean

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

# Until the chat UI exists: ingest the sample (once) and answer an example question.
run: sample-index
	$(BIN)/assistant --index $(INDEX) stats
	$(BIN)/assistant --index $(INDEX) ask "2024年西湖龙井茶春茶产量是多少？"
	$(BIN)/assistant --index $(INDEX) ask "哪几期讲过淳安县的做法？"

test: install-test
	$(BIN)/python -m pytest -q
	$(BIN)/python eval/run.py --gate eval/thresholds.toml --out eval/reports/latest

eval: install
	$(BIN)/python eval/run.py --retrieval all

clean:
	rm -rf $(VENV) $(INDEX) .pytest_cache
