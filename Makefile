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

# The production settings on this machine: gunicorn (`qiangshi serve`), WhiteNoise serving the
# static files collected into var/static under hashed, compressed names, and a Celery worker
# and beat when CELERY_BROKER_URL is set. The keys come from var/keys.env (created by the demo)
# unless given, and, for plain http on a workstation, the HTTPS redirect, secure cookies, HSTS
# and the forced password change are off unless given. WEB_CONCURRENCY sets the workers.
SERVE_ENV = DJANGO_SETTINGS_MODULE=config.settings.production QIANGSHI_LOCAL_KEYS=1 \
	DJANGO_SSL_REDIRECT=$${DJANGO_SSL_REDIRECT:-0} DJANGO_SECURE_COOKIES=$${DJANGO_SECURE_COOKIES:-0} \
	DJANGO_HSTS_SECONDS=$${DJANGO_HSTS_SECONDS:-0} \
	QIANGSHI_FORCE_PASSWORD_CHANGE=$${QIANGSHI_FORCE_PASSWORD_CHANGE:-0}

# `qiangshi serve` first collects the static files, marks failed the jobs a stopped server left
# running (recover_jobs, rotation recover) and prints the demo's logins.
serve:
	@$(SERVE_ENV) PORT=$(PORT) $(RUN) qiangshi serve --bind 127.0.0.1:$(PORT)

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
