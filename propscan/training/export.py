"""Export the trained networks to ONNX and quantise them to int8."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from propscan.features import N_FEATURES


def _export(module, args, names, dynamic, path: Path) -> None:
    module.eval()
    torch.onnx.export(module, args, str(path), input_names=names, output_names=["probs"],
                      dynamic_axes=dynamic, opset_version=17, dynamo=False)


def _quantise(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True)


def export_models(tagger, classifier, out_dir: Path, quantise: bool = True) -> None:
    """tagger.onnx and, unless `classifier` is None, classifier.onnx into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    x = torch.ones((1, 16), dtype=torch.long)
    names = ["tagger.onnx"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _export(tagger, (x, x), ["input_ids", "attention_mask"],
                {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                 "probs": {0: "batch", 1: "seq"}}, tmp / "tagger.onnx")
        if classifier is not None:
            f = torch.zeros((1, N_FEATURES), dtype=torch.float32)
            _export(classifier, (x, x, torch.zeros_like(x), f),
                    ["input_ids", "attention_mask", "token_type_ids", "features"],
                    {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                     "token_type_ids": {0: "batch", 1: "seq"}, "features": {0: "batch"},
                     "probs": {0: "batch"}}, tmp / "classifier.onnx")
            names.append("classifier.onnx")
        for name in names:
            if quantise:
                _quantise(tmp / name, out_dir / name)
            else:
                os.replace(tmp / name, out_dir / name)
