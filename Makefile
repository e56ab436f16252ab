# Qiangshi: `make demo` builds and serves the demo region; `make test` runs the whole suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
PORT ?= 8000
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
RUN := $(UV) run --frozen
VENDOR := static/vendor

.PHONY: install uv python-deps assets system-deps messages demo serve test test-only fuzz lint format

install: python-deps assets

uv:
	@command -v uv >/dev/null 2>&1 || [ -x "$(UV)" ] || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

python-deps: uv
	@$(UV) sync --frozen --quiet

# Front-end files come from npm at build time and are served locally: no CDN at run time.
assets: $(VENDOR)/.stamp

$(VENDOR)/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)/fonts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css $(VENDOR)/
	cp node_modules/bootstrap-icons/font/fonts/* $(VENDOR)/fonts/
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	touch $@

# Debian's Chromium for the browser tests (never a downloaded browser build) and the CJK font
# of the balance PDF report.
system-deps:
	@{ command -v chromium >/dev/null 2>&1 && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else echo "chromium or fonts-wqy-microhei missing: browser and PDF tests will be skipped (apt-get install chromium fonts-wqy-microhei)"; fi; }

# Translations: the compiled .mo files are committed; this rebuilds them (needs gettext).
messages:
	$(RUN) qiangshi makemessages -l zh_Hans -l en --ignore=node_modules --ignore=.venv --ignore=tests
	$(RUN) qiangshi compilemessages --ignore=.venv

demo: install
	@$(RUN) qiangshi migrate --noinput -v 0
	@$(RUN) qiangshi demo_region --scale city
	@$(MAKE) --no-print-directory serve

# DEBUG is off (friendly error pages, as in production): WhiteNoise serves the static files
# collected into var/static. DJANGO_DEBUG=1 make serve shows Django's technical error pages.
serve:
	@$(RUN) qiangshi collectstatic --noinput -v 0
	@$(RUN) qiangshi recover_jobs
	@$(RUN) qiangshi rotation recover
	@$(RUN) qiangshi demo_logins
	@echo "Serving http://127.0.0.1:$(PORT)  (Ctrl-C to stop)"
	@$(RUN) qiangshi runserver 127.0.0.1:$(PORT) --noreload

test: install system-deps test-only

test-only:
	$(RUN) ruff check src config tests benchmarks
	$(RUN) ruff format --check src config tests benchmarks
	$(RUN) pytest -n 2 -q

# Schema fuzzing of the whole API with a large budget (the suite runs it with a small one);
# FUZZ_EXAMPLES generated requests per operation and mode, fixed seed.
FUZZ_EXAMPLES ?= 300
fuzz: install
	QIANGSHI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(RUN) pytest tests/api/test_fuzz.py -q -s -p no:xdist

lint:
	$(RUN) ruff check src config tests benchmarks

format:
	$(RUN) ruff format src config tests benchmarks
	$(RUN) ruff check --fix src config tests benchmarks
