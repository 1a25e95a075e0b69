"""`propscan train` end to end on three articles for one step: the folder it writes is a model
the Analyzer loads and runs. (Quality is not the point; the pipeline is.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from propscan.analyzer import Analyzer
from propscan.errors import REGISTRY, TrainingError
from propscan.runtime import REQUIRED, Model
from propscan.techniques import LABELS
from propscan.training.data import load_corpus
from tests.cli.conftest import run_propscan


def test_train_six_articles_one_step_with_two_tuning_folds_gives_a_loadable_model(train_dir, tmp_path):
    out = tmp_path / "model"
    held = tmp_path / "held.txt"
    first = sorted(p.stem[len("article"):] for p in (train_dir / "articles").glob("article*.txt"))[0]
    held.write_text(f"# held out\n{first}\n", encoding="utf-8")
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "a.txt").write_text("The council will vote on the new school budget next week. " * 120, encoding="utf-8")
    res = run_propscan("train", train_dir, "-o", out, "--max-articles", "6", "--max-steps", "1",
                       "--tune-folds", "2", "--holdout", held, "--reference", reference,
                       "--work", tmp_path / "work", "--version", "smoke-1", timeout=1500)
    assert res.rc == 0, res.err[-3000:]
    assert "Traceback" not in res.err
    assert "training on 6 articles" in res.out and "(1 held out)" in res.out
    assert "fold 2/2 trained" in res.out and "out-of-fold full-task F1 of the sources: channels" in res.out
    assert "CPU: " in res.out and "training finished in" in res.out
    assert f"model written to {out}" in res.out
    for name in REQUIRED:
        assert (out / name).is_file(), name
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["labels"] == list(LABELS) and config["version"] == "smoke-1"
    assert config["training"]["max_articles"] == 6 and config["training"]["max_steps"] == 1
    # the articles it saw, so that evaluate can call a measure on them in-sample; never the held-out one
    assert len(config["trained_on"]) == 6 and first not in config["trained_on"]
    assert set(config["trained_on"]) <= {p.stem[len("article"):] for p in (train_dir / "articles").glob("*.txt")}
    assert config["techniques"]["source"] in ("spans", "channels", "both")
    assert (config["techniques"]["spans"] is not None) == (config["techniques"]["source"] == "both")
    if config["techniques"]["source"] in ("channels", "both"):
        assert "threshold transfer on 1 reference texts" in res.out
        assert len(config["channel_shift"]) == len(LABELS)
    else:   # the "spans" source thresholds no technique output, so there is nothing to carry over
        assert "channel_shift" not in config and "threshold transfer" not in res.out

    analyzer = Analyzer(out)
    assert analyzer.version == config["version"]
    text = "Either we stop these greedy outsiders now, or we lose our town forever!\r\nCaf\u00e9 \U0001F642."
    a = analyzer.analyze(text)
    assert a.text == text and a.sentences
    for s in a.spans:
        assert text[s.start:s.end] == s.text and s.technique in LABELS
    assert 0 <= a.score <= 1


def test_train_with_an_empty_version_is_refused_in_one_line(train_dir, tmp_path):
    res = run_propscan("train", train_dir, "-o", tmp_path / "model", "--version", " ")
    assert res.rc == 2 and "Traceback" not in res.err and "--version needs a name" in res.err
    assert not (tmp_path / "model").exists()


def test_train_on_a_split_without_articles_or_labels_is_one_line(tmp_path):
    (tmp_path / "articles").mkdir()
    res = run_propscan("train", tmp_path, "-o", tmp_path / "model", "--max-steps", "1")
    assert res.rc == 2 and "Traceback" not in res.err
    assert f"propscan: error: [E001] {tmp_path / 'articles'}: no .txt files found" in res.err

    (tmp_path / "articles" / "article1.txt").write_text("Title\n\nBody.\n", encoding="utf-8")
    res = run_propscan("train", tmp_path, "-o", tmp_path / "model", "--max-steps", "1")
    assert res.rc == 2 and "Traceback" not in res.err
    assert f"{tmp_path / 'labels.tsv'}: no such file" in res.err

    (tmp_path / "labels.tsv").write_text("article_id\ttechnique\tstart\tend\n", encoding="utf-8")
    res = run_propscan("train", tmp_path, "-o", tmp_path / "model", "--max-steps", "1")
    assert res.rc == 2 and "Traceback" not in res.err
    assert f"{tmp_path / 'labels.tsv'}: no labelled spans" in res.err


def test_train_with_a_missing_reference_stops_before_any_training(train_dir, tmp_path):
    res = run_propscan("train", train_dir, "-o", tmp_path / "model", "--max-steps", "1",
                       "--reference", tmp_path / "nothing.tsv")
    assert res.rc == REGISTRY[TrainingError.code].exit_code != 0 and "Traceback" not in res.err
    assert f"{tmp_path / 'nothing.tsv'}: no such reference file or folder" in res.err
    assert "tagger:" not in res.out and not (tmp_path / "model").exists()


def test_retune_rewrites_the_tuned_entries_of_a_model_from_its_runs_folds(train_dir, tmp_path):
    out, work = tmp_path / "model", tmp_path / "work"
    res = run_propscan("train", train_dir, "-o", out, "--max-articles", "6", "--max-steps", "1",
                       "--tune-folds", "2", "--work", work, timeout=1500)
    assert res.rc == 0, res.err[-3000:]
    before = json.loads((out / "config.json").read_text(encoding="utf-8"))
    # spoil what retune must choose again, so that a retune that wrote nothing would fail
    spoiled = {**before, "techniques": {"source": "channels"}, "decode": {"high": 0.99, "low": 0.98},
               "trained_on": []}
    (out / "config.json").write_text(json.dumps(spoiled), encoding="utf-8")
    script = Path(__file__).resolve().parents[2] / "scripts" / "retune.py"
    run = lambda *args: subprocess.run([sys.executable, script, *map(str, args)], capture_output=True,  # noqa: E731
                                       text=True, timeout=900)
    res = run(out, "--work", work, "--train", train_dir, "--version", "retuned")
    assert res.returncode == 0, res.stderr[-3000:]
    after = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert after["version"] == "retuned" and after["training"] == before["training"]
    # tuning is deterministic on the same out-of-fold scores
    assert after["techniques"] == before["techniques"] and after["decode"] == before["decode"]
    assert len(after["trained_on"]) == 6 and after["trained_on"] == before["trained_on"]
    assert Analyzer(out).analyze("They are traitors and liars, all of them.").text
    res = run(out, "--work", tmp_path / "nowhere", "--train", train_dir)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "fold 1 is missing" in res.stderr
    # another analyzer stride: the out-of-fold scores are read with it, the training windows' is kept
    res = run(out, "--work", work, "--train", train_dir, "--stride", "254")
    assert res.returncode == 0, res.stderr[-3000:]
    wide = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert wide["stride"] == 254 and wide["training"]["stride"] == 254
    assert wide["training"]["train_stride"] == before["stride"] == 192
    with np.load(work / "oof.npz") as saved:
        oof = {k: saved[k] for k in saved.files}
    corpus = load_corpus(train_dir)
    aid = max(wide["trained_on"], key=lambda a: len(corpus.articles[a].text))
    fold = work / f"fold{int(oof[f'{aid}/fold'][0]) + 1}"
    scores = {}
    for stride in (192, 254):
        with Model(fold, overrides={"lexical_tagger_weight": 0.0, "stride": stride}) as model:
            scores[stride] = model.piece_scores(corpus.articles[aid].text)[1]
    assert np.allclose(oof[f"{aid}/scores"], scores[254], atol=1e-6)
    assert not np.allclose(scores[192], scores[254], atol=1e-6)   # the article is longer than one window
    res = run(out, "--work", work, "--train", train_dir, "--stride", "400")
    assert res.returncode == 2 and "stride 400: give 1 to 254" in res.stderr
    # folds rebuilt from other articles would score articles with models trained on them
    held = tmp_path / "held.txt"
    held.write_text(sorted(p.stem[len("article"):] for p in (train_dir / "articles").glob("*.txt"))[0] + "\n",
                    encoding="utf-8")
    res = run(out, "--work", work, "--train", train_dir, "--holdout", held)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "its fold models were trained on other articles" in res.stderr
    del after["training"]
    (out / "config.json").write_text(json.dumps(after), encoding="utf-8")
    res = run(out, "--work", work, "--train", train_dir)
    assert res.returncode == 2 and "Traceback" not in res.stderr and "not a model folder written by propscan train" in res.stderr
