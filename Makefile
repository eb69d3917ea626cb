# Two commands work on a fresh machine with only Python 3.11 and pip:
#   make report   set up the environment from uv.lock, run the DVC pipeline on the demo data
#   make test     set up the environment from uv.lock, run the test suite
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
# uv from PATH if present, else bootstrapped with pip into .tools/ (git-ignored)
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export GX_ANALYTICS_ENABLED := false
export DVC_NO_ANALYTICS := 1
# site-packages compiled to bytecode when installed: where PYTHONDONTWRITEBYTECODE is set (as on the development machine)
# every stage, kernel and `dvc` call otherwise compiled its libraries from source (1.5 of a no-op `dvc repro`'s
# 2.7 s)
export UV_COMPILE_BYTECODE := 1
# V=1 (make report V=1): every detail the stages have (each file read, each note and warning), and uv's output
export POLIECO_VERBOSE := $(V)
# DVC stage commands call `python`: make it the project's interpreter
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup report test test-fast lab lint demo region sweep template issue clean

# uv is needed only when the environment must be (re)built: an up-to-date .venv
# (e.g. another user running `make lab` in a shared checkout) never asks for it
$(VENV)/.synced: uv.lock pyproject.toml
	test -x "$(UV)" || { $(PYTHON) -m venv .tools && .tools/bin/pip install --quiet "uv==$(UV_VERSION)"; }
	$(UV) sync --frozen --python $(PYTHON) $(if $(V),,--quiet)
	touch $@

setup: $(VENV)/.synced

report: setup
	dvc repro
	@echo ""
	@echo "Outputs (synthetic demo data unless you replaced data/raw/):"
	@echo "  warehouse        data/warehouse.duckdb"
	@echo "  marts            data/marts/*.parquet"
	@echo "  validation       reports/validation/index.html (summary.json; GX Data Docs in reports/data_docs/)"
	@echo "  metrics / plots  dvc metrics show ; dvc plots show"
	@echo "  notebooks        reports/notebooks/<region>/<year>/<county>/county.{ipynb,html}"
	@echo "  write-ups        reports/notebooks/<region>/<year>/<county>/writeup.{md,docx}"
	@echo "  reviewer index   reports/index.html"
	@echo "Your own region: docs/使用指南.md (make region NAME=… ; make template REGION=… YEAR=…)"

test: setup
	pytest

# the edit-test loop (about a minute on 2 cores): the tests marked `fast` (tests/conftest.py FAST_MODULES), spread
# test by test over two workers
test-fast: setup
	pytest -m fast --dist load

# The project folder is Lab's root: notebooks/ (the county and region templates, explore.ipynb to query the
# warehouse read-only) and reports/ (the executed reports) side by side; it opens on explore.ipynb.
# localhost only; Jupyter's token stays on (printed in the URL it shows; JUPYTER_TOKEN sets your own).
# As root (a container) Jupyter wants --allow-root: given only then.
LAB_PORT ?= 8888
LAB_AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: setup
	PYTHONPATH=$(CURDIR) POLIECO_ROOT=$(CURDIR) jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	  --ServerApp.port_retries=0 --no-browser $(LAB_AS_ROOT) --ServerApp.root_dir=$(CURDIR) \
	  --LabApp.default_url=/lab/tree/notebooks/explore.ipynb

lint: setup
	ruff check pipeline tests tools

demo: setup
	python -m pipeline.demo

# make region NAME=乐山市 [ONLY=1]: a region and its places from the national register
region: setup
	python -m pipeline.region "$(NAME)" $(if $(ONLY),--only,)

# make sweep SET="evaluation.weighting=equal,entropy,ahp [evaluation.KEY=V1,V2 ...]" [YEARS=2015-2024]: the evaluation alone, compared
sweep: setup
	python -m pipeline.sweep $(foreach s,$(SET),-S $(s)) $(if $(YEARS),--years $(YEARS),)

# make template REGION=990100 YEAR=2025
template: setup
	python -m pipeline.template --region $(REGION) --year $(YEAR)

# make issue REGION=990100 YEAR=2023 [REMOVE=1]: record that year's reports as issued (data/issued/), so the
# next year's reports follow up what they said
issue: setup
	python -m pipeline.issue --region $(REGION) --year $(YEAR) $(if $(REMOVE),--remove,)

clean:
	rm -rf data/staging data/warehouse.duckdb data/marts reports build
