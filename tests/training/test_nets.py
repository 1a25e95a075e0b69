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


@pytest.mark.parametrize("layers", [1, 3])
def test_the_top_layers_on_stored_bottom_states_give_the_whole_taggers_outputs(layers):
    # --freeze-layers trains on stored outputs of the bottom layers: that path must compute what
    # the exported network computes, padding included.
    import torch

    from propscan.training.nets import Tagger
    from propscan.training.train import default_encoder

    torch.manual_seed(0)
    model = Tagger(default_encoder()).eval()
    ids = torch.randint(1000, 20000, (2, 40))
    mask = torch.ones_like(ids)
    mask[1, 25:] = 0
    with torch.no_grad():
        whole = model.all_logits(ids, mask)
        top = model.top_logits(model.bottom_states(ids, mask, layers), mask, layers)
    real = mask.bool()
    assert torch.allclose(whole[real], top[real], atol=1e-4)


def test_freezing_keeps_the_embeddings_and_bottom_layers_out_of_training():
    from propscan.training.nets import Tagger
    from propscan.training.train import default_encoder

    model = Tagger(default_encoder())
    model.freeze_bottom(2)
    layers = model.encoder.encoder.layer
    assert not any(p.requires_grad for p in model.encoder.embeddings.parameters())
    assert not any(p.requires_grad for layer in layers[:2] for p in layer.parameters())
    assert all(p.requires_grad for layer in layers[2:] for p in layer.parameters())
    assert all(p.requires_grad for p in model.head.parameters())
