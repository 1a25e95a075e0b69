# propscan: `make demo` to try it, `make test` for the whole test suite (what CI runs).
# Both create .venv with python3 -m venv when it is missing and are safe to run repeatedly.

VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# Every optional extra of pyproject.toml: `make test` and `make figures` need them all.
EXTRAS ?= train,test,serve,corpus,claims

.PHONY: demo test docs figures

$(PY):
	python3 -m venv $(VENV)

demo: $(PY)
	$(PIP) install -q -e .
	$(VENV)/bin/propscan analyze examples/article.txt

# The tests use the shipped models, never ones named in the environment (as .ci/run).
test: $(PY)
	$(PIP) install -q -e '.[$(EXTRAS)]'
	sh .ci/install-chromium
	env -u PROPSCAN_MODEL -u PROPSCAN_CLAIMS_MODEL $(PY) -m pytest -q

docs: $(PY)
	$(PY) scripts/gen_cli_docs.py

# Every figure of README.md's table (the SemEval comparison under it is quoted from the task
# paper) and the current models' figures of MODEL_CARD.md and docs/enrichers.md, recomputed on
# this machine (about 2 hours, most of it the training run). Needs the data in ../shared/data.
# Not run here: figures of earlier models (measured at the commits the docs name), the retune
# time and fold-model figures of MODEL_CARD.md (scripts/retune.py, scripts/fold_technique_tc.py
# need a training run's --work folder), scripts/claims_threshold_cv.py on an older claims model,
# and the long-text table of docs/server.md (benchmarks/long_text.py, one size per process).
DATA ?= ../shared/data
figures: $(PY)
	$(PIP) install -q -e '.[$(EXTRAS)]'
	$(VENV)/bin/propscan evaluate $(DATA)/ptc/dev/articles $(DATA)/ptc/dev/spans.tsv
	$(VENV)/bin/propscan bench $(DATA)/ptc/dev/articles
	$(VENV)/bin/propscan eval-claims $(DATA)/checkworthy/dev-test.tsv --threshold 0.5
	$(VENV)/bin/propscan eval-claims $(DATA)/checkworthy/dev-test.tsv --threshold 0.57
	$(VENV)/bin/propscan eval-claims $(DATA)/checkworthy/dev.tsv
	$(VENV)/bin/propscan train-claims $(DATA)/checkworthy -o $${TMPDIR:-/tmp}/propscan-claims --cv-folds 5 --folds splits/checkworthy_devtest_folds.tsv
	$(PY) scripts/gold_span_edges.py
	$(VENV)/bin/propscan eval-targets tests/data/targets_fresh4.tsv $(DATA)/ptc/dev/articles
	$(VENV)/bin/propscan eval-targets tests/data/targets_fresh4.tsv $(DATA)/ptc/dev/articles --rules
	$(VENV)/bin/propscan eval-targets tests/data/targets_fresh5.tsv $(DATA)/ptc/train/articles
	$(VENV)/bin/propscan eval-targets tests/data/targets_fresh5.tsv $(DATA)/ptc/train/articles --rules
	PYTHONPATH=$(CURDIR) $(PY) scripts/targets_agreement.py tests/data/targets_fresh5.tsv tests/data/targets_fresh5_second.tsv
	for f in fresh3 fresh2 fresh eval; do $(VENV)/bin/propscan eval-targets tests/data/targets_$$f.tsv $(DATA)/ptc/train/articles; done
	for f in fresh3 fresh2 fresh eval; do $(VENV)/bin/propscan eval-targets tests/data/targets_$$f.tsv $(DATA)/ptc/train/articles --rules; done
	PYTHONPATH=$(CURDIR) $(PY) scripts/fit_targets_ranker.py --cv-only
	$(VENV)/bin/propscan eval-voice tests/data/voice_eval.tsv $(DATA)/ptc/train/articles
	$(PY) benchmarks/load_server.py
	$(PY) benchmarks/corpus_throughput.py
	$(PY) benchmarks/train_step.py
	du -sh propscan/weights propscan/weights_claims
	@echo "held-out figures: the shipped model saw the held-out split (all 371 articles), so they are of the same recipe fitted without it"
	$(VENV)/bin/propscan train $(DATA)/ptc/train -o $${TMPDIR:-/tmp}/propscan-model --holdout splits/ptc_train_heldout.txt --dev $(DATA)/ptc/dev --reference $(DATA)/checkworthy/train.tsv
	$(VENV)/bin/propscan evaluate $(DATA)/ptc/train/articles $(DATA)/ptc/train/labels.tsv --ids splits/ptc_train_heldout.txt -m $${TMPDIR:-/tmp}/propscan-model
	$(VENV)/bin/propscan evaluate $(DATA)/ptc/train/articles $(DATA)/ptc/train/labels.tsv --ids splits/ptc_train_heldout.txt -m $${TMPDIR:-/tmp}/propscan-model --set techniques=null
