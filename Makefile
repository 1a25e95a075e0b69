# propscan: `make demo` to try it, `make test` for the whole test suite (what CI runs).
# Both create .venv with python3 -m venv when it is missing and are safe to run repeatedly.

VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# Extras that other parts of the project add; pip warns about any that do not exist yet.
EXTRAS ?= train,test,serve,corpus,claims

.PHONY: demo test docs

$(PY):
	python3 -m venv $(VENV)

demo: $(PY)
	$(PIP) install -q -e .
	$(VENV)/bin/propscan analyze examples/article.txt

test: $(PY)
	$(PIP) install -q -e '.[$(EXTRAS)]'
	sh .ci/install-chromium
	$(PY) -m pytest -q

docs: $(PY)
	$(PY) scripts/gen_cli_docs.py
