"""The networks propscan train fine-tunes, built on the packaged encoder."""

from __future__ import annotations

import pytest


def test_attention_dropout_is_the_encoders_own_unless_asked():
    from propscan.training.nets import Classifier, Tagger
    from propscan.training.train import default_encoder

    encoder = default_encoder()
    assert Tagger(encoder).encoder.config.attention_probs_dropout_prob == pytest.approx(0.1)
    assert Tagger(encoder, 0.0).encoder.config.attention_probs_dropout_prob == 0.0
    assert Classifier(encoder, 0.25).encoder.config.attention_probs_dropout_prob == pytest.approx(0.25)
