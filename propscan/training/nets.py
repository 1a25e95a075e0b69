"""The two networks fine-tuned from the same pretrained encoder.

Tagger: for each piece, 1 + 2 x 14 probabilities: that it lies in any propaganda span, that it
lies in a span of technique k, and that a span of technique k begins at it. "Inside technique k"
is P(any span) x P(technique k | inside a span), the second a softmax over the 14 techniques:
trained as independent sigmoids, the rare techniques' outputs stayed near zero and named the
right technique on 19% of out-of-fold gold spans; a softmax trained only on pieces inside
spans has to choose one. The per-technique
outputs are what `predict` decodes into one span per technique instance (spans of different
techniques may overlap); the begin outputs split two instances of one technique that touch.
The any-span output feeds sentence scores and SI-only decoding.
Classifier: technique distribution for one span, from the span, its context and features.
Both return probabilities so the exported ONNX graphs need no post-processing.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import AutoModel

from propscan.features import N_FEATURES
from propscan.techniques import LABELS


def load_encoder(path: str, attention_dropout: float | None = None):
    # Eager attention exports to an ONNX graph that ONNX Runtime's int8 quantiser handles well.
    # attention_dropout None keeps the pretrained config's rate; dropout only acts in training.
    extra = {} if attention_dropout is None else {"attention_probs_dropout_prob": attention_dropout}
    return AutoModel.from_pretrained(path, attn_implementation="eager", **extra)


class Tagger(nn.Module):
    def __init__(self, encoder_path: str, attention_dropout: float | None = None):
        super().__init__()
        self.encoder = load_encoder(encoder_path, attention_dropout)
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(self.encoder.config.hidden_size, 1 + 2 * len(LABELS))

    def all_logits(self, input_ids, attention_mask):
        """[batch, seq, 1 + 2 n_labels]: any span, inside technique k, begin of technique k."""
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.head(self.dropout(h))

    def freeze_bottom(self, layers: int) -> None:
        """Keep the embeddings and the first `layers` encoder layers at their pretrained weights:
        their outputs then never change, so training can compute them once per window."""
        if not 0 < layers < len(self.encoder.encoder.layer):
            raise ValueError(f"freeze between 1 and {len(self.encoder.encoder.layer) - 1} layers of this "
                             f"encoder, not {layers}: the layers above them are what trains")
        frozen = [self.encoder.embeddings, *self.encoder.encoder.layer[:layers]]
        for module in frozen:
            for p in module.parameters():
                p.requires_grad_(False)

    @torch.no_grad()
    def bottom_states(self, input_ids, attention_mask, layers: int) -> torch.Tensor:
        """[batch, seq, hidden]: the output of the embeddings and the first `layers` encoder layers."""
        return self._layers(self.encoder.embeddings(input_ids=input_ids), attention_mask, 0, layers)

    def top_logits(self, states, attention_mask, layers: int):
        """`all_logits` from `bottom_states(..., layers)`: the remaining layers and the head."""
        return self.head(self.dropout(self._layers(states, attention_mask, layers, None)))

    def _layers(self, h, attention_mask, start: int, stop: int | None):
        try:   # the mask BertModel.forward builds (transformers 5); older releases take the extended one
            from transformers.masking_utils import create_bidirectional_mask

            mask = create_bidirectional_mask(config=self.encoder.config, inputs_embeds=h,
                                             attention_mask=attention_mask)
        except ImportError:
            mask = self.encoder.get_extended_attention_mask(attention_mask, attention_mask.shape)
        for layer in self.encoder.encoder.layer[start:stop]:
            h = layer(h, mask)
            h = h[0] if isinstance(h, tuple) else h
        return h

    def forward(self, input_ids, attention_mask):
        logits = self.all_logits(input_ids, attention_mask)
        n = len(LABELS)
        any_span = torch.sigmoid(logits[..., :1])
        inside = any_span * torch.softmax(logits[..., 1:1 + n], dim=-1)
        return torch.cat([any_span, inside, torch.sigmoid(logits[..., 1 + n:])], dim=-1)


class Classifier(nn.Module):
    def __init__(self, encoder_path: str, attention_dropout: float | None = None):
        super().__init__()
        self.encoder = load_encoder(encoder_path, attention_dropout)
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(0.1)
        self.features = nn.Sequential(nn.Linear(N_FEATURES, 32), nn.GELU())
        self.head = nn.Linear(2 * hidden + 32, len(LABELS))

    def logits(self, input_ids, attention_mask, token_type_ids, features):
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        span_m = m * (1 - token_type_ids).unsqueeze(-1).to(h.dtype)   # first segment = the span
        span_vec = (h * span_m).sum(1) / span_m.sum(1).clamp(min=1)
        all_vec = (h * m).sum(1) / m.sum(1).clamp(min=1)
        z = torch.cat([span_vec, all_vec, self.features(features)], dim=-1)
        return self.head(self.dropout(z))

    def forward(self, input_ids, attention_mask, token_type_ids, features):
        return torch.softmax(self.logits(input_ids, attention_mask, token_type_ids, features), dim=-1)
