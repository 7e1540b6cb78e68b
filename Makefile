# mailbot — the two commands of the quick start are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check lint typecheck test-deps golden bench clean screenshots

$(STAMP): pyproject.toml test-constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' -c test-constraints.txt
	touch $(STAMP)

## demo: run mailbot on the sample Maildir in examples/ and publish a site under demo/
demo: $(STAMP)
	rm -rf demo && mkdir -p demo
	cp -R examples/maildir demo/inbox
	cp examples/demo.toml demo/mailbot.toml
	$(BIN)/mailbot --config demo/mailbot.toml poll --once
	$(BIN)/mailbot --config demo/mailbot.toml drafts list
	@echo demo-reviewer-password | $(BIN)/mailbot --config demo/mailbot.toml reviewers add "Demo Reviewer" demo@example.org --password-stdin
	@echo
	@echo "To review these drafts in a browser (the review desk), run in another terminal:"
	@echo "  $(BIN)/mailbot --config demo/mailbot.toml serve"
	@echo "then open http://127.0.0.1:8025/ and sign in as demo@example.org with the password demo-reviewer-password"
	@echo "(the demo goes on below and approves and publishes every draft: the desk then shows them published)."
	@echo
	@echo "The demo approves every draft without reading it: a shortcut a real reviewer never takes."
	$(BIN)/mailbot --config demo/mailbot.toml drafts approve --all --yes
	$(BIN)/mailbot --config demo/mailbot.toml publish
	@echo
	@echo "Open the site: file://$(CURDIR)/demo/site/index.html"

## test-deps: what the tests need beyond Python (Dovecot, Chromium, OpenSSL, Java for the HTML
## validator); installed with apt when run as root
test-deps:
	@missing=""; \
	command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing="$$missing dovecot-imapd"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing:$$missing — install them (sudo apt-get install$$missing); the tests that need them will fail in CI and skip elsewhere"; \
	  fi; \
	fi

## test: set up what the tests need, then run lint, type checks and the whole suite
test: $(STAMP) test-deps lint typecheck
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check mailbot tests bench
	$(BIN)/ruff format --check mailbot tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

## golden: regenerate the expected site trees under tests/golden after a template change
golden: $(STAMP)
	MAILBOT_REGEN_GOLDEN=1 $(BIN)/pytest tests/test_publish.py tests/test_demo.py

## bench: the benchmarks (see bench/README.md); ingest needs Dovecot and root, site installs Pelican under build/
bench: $(STAMP) test-deps
	$(BIN)/python bench/forwards.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/site.py

## screenshots: the review desk's screenshots under docs/, made by its browser test
screenshots: $(STAMP)
	MAILBOT_SCREENSHOTS=1 $(BIN)/pytest tests/test_desk_browser.py -q
	MAILBOT_SCREENSHOTS=1 $(BIN)/pytest tests/test_desk_comments_browser.py -q

clean:
	rm -rf $(VENV) demo build dist .pytest_cache .mypy_cache .ruff_cache
