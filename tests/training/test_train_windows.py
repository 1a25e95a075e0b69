"""The tagger's training windows: `--train-stride` sets their overlap, the analyzer's stride is untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

import propscan.training.train as train_mod
from propscan.tokens import load_tokenizer, pieces, windows
from propscan.training.data import load_corpus
from propscan.training.train import TrainConfig, default_encoder


@pytest.mark.parametrize("train_stride", [None, 254, 100])
def test_training_windows_start_every_train_stride_pieces(train_dir, monkeypatch, train_stride):
    corpus = load_corpus(train_dir)
    ids = sorted(corpus.articles)[:3]
    config = TrainConfig(encoder=default_encoder(), train_stride=train_stride)
    tokenizer = load_tokenizer(Path(config.encoder) / "tokenizer.json")
    seen = {}
    monkeypatch.setattr(train_mod, "fit_tagger", lambda encoder, windows, *a, **k: seen.setdefault("w", windows))
    train_mod._fit_tagger_on(corpus, ids, tokenizer, config, False, lambda _: None)

    lengths = [len(pieces(tokenizer, corpus.articles[i].text).ids) for i in ids]
    step = train_stride or config.stride
    expected = sum(len(windows(n, config.window, step)) for n in lengths)
    assert len(seen["w"]) == expected
    assert max(lengths) > config.window, "the test needs an article longer than one window"
    # fewer windows the longer the stride: no overlap at 254, the analyzer's 192 by default
    fewer = sum(len(windows(n, config.window, step + 40)) for n in lengths)
    assert fewer < expected
    assert config.stride == 192
