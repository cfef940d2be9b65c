# make setup: create .venv with the pinned dependencies (every other target does it first).
# make build: set up .venv (pinned) and build the default site into output/.
# make publish: build as `make build` does, but warnings fail it too (--strict);
#               BASE_URL=https://example.org/teleecho/ overrides base_url.
# make test:  the same set-up, then the whole test suite.
VENV  ?= .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup build publish test serve check clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade 'pip>=24'
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

build: $(STAMP)
	$(PY) build.py build

publish: $(STAMP)
	$(PY) build.py build --strict $(if $(BASE_URL),--base-url "$(BASE_URL)")

test: $(STAMP)
	$(PY) -m pytest

serve: $(STAMP)
	$(PY) build.py serve

check: $(STAMP)
	$(PY) build.py check

clean:
	rm -rf output .cache
