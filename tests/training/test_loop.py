"""The tagger's technique loss: a softmax over techniques, scored only inside gold spans."""

from __future__ import annotations

import torch

from propscan.training.loop import technique_loss

N = 14


def labels(inside_of: list[list[int]]) -> torch.Tensor:
    """One row per piece: any-span, inside technique k, begin of k (no begins)."""
    y = torch.zeros((len(inside_of), 1 + 2 * N))
    for i, ks in enumerate(inside_of):
        for k in ks:
            y[i, 0] = 1
            y[i, 1 + k] = 1
    return y


def logits_naming(k: int, pieces: int, strength: float = 8.0) -> torch.Tensor:
    z = torch.zeros((pieces, 1 + 2 * N))
    z[:, 1 + N:] = -8.0                                  # confident "no begin" everywhere
    z[:, 1 + k] = strength
    return z


def test_naming_the_right_technique_costs_less_than_naming_another():
    y = labels([[3], [3]])
    assert technique_loss(logits_naming(3, 2), y) < technique_loss(logits_naming(5, 2), y)


def test_pieces_outside_every_span_do_not_train_the_technique_softmax():
    y = labels([[], []])
    assert torch.isclose(technique_loss(logits_naming(3, 2), y), technique_loss(logits_naming(5, 2), y))


def test_a_piece_of_two_techniques_is_best_split_between_them():
    y = labels([[2, 7]])
    both = torch.zeros((1, 1 + 2 * N))
    both[:, 1 + N:] = -8.0
    both[0, 1 + 2] = both[0, 1 + 7] = 8.0
    assert technique_loss(both, y) < technique_loss(logits_naming(2, 1), y)


def test_a_tagger_trained_with_frozen_layers_changes_only_the_layers_above_them(train_dir):
    from pathlib import Path

    from propscan.tokens import load_tokenizer
    from propscan.training import loop
    from propscan.training.data import load_corpus, tagger_windows
    from propscan.training.nets import Tagger
    from propscan.training.train import default_encoder

    encoder = default_encoder()
    corpus = load_corpus(train_dir)
    tokenizer = load_tokenizer(Path(encoder) / "tokenizer.json")
    windows = tagger_windows(corpus, tokenizer, 254, 192, sorted(corpus.articles)[:2])[:4]
    loop.clear_bottom_states()
    loop.seed_everything(13)                            # fit_tagger's seed: the same head to start
    before = Tagger(encoder).state_dict()
    try:
        after = loop.fit_tagger(encoder, windows, 1, 1e-3, 2, 13, bf16=False, max_steps=2,
                                log=lambda _: None, freeze_layers=2).state_dict()
        assert len(loop._BOTTOM_STATES) == len(windows)   # each window through the frozen layers once
    finally:
        loop.clear_bottom_states()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert not any(k.startswith(("encoder.embeddings.", "encoder.encoder.layer.0.", "encoder.encoder.layer.1."))
                   for k in changed)
    assert any(k.startswith("encoder.encoder.layer.5.") for k in changed)
    assert any(k.startswith("head.") for k in changed)
