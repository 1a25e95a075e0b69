"""The one place that opens model folders and ONNX Runtime sessions (core model and claims model).

A model folder is checked for its files before anything is loaded, so a wrong path is one
ModelError saying what is missing and how to get a model, not an ONNX Runtime traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from propscan.errors import ModelError


def require_files(folder: Path, required: Iterable[str], *, what: str, train: str, env: str) -> Path:
    """`folder`, after checking it holds every file of `required`. `what` names the model
    ("model", "claims model"), `train` the command that makes one, `env` the variable that
    points propscan at another folder."""
    folder = Path(folder)
    missing = [f for f in required if not (folder / f).is_file()]
    if missing:
        raise ModelError(f"{folder}: not a propscan {what} folder (missing {', '.join(missing)}); "
                         f"train one with `{train}` or unset {env}")
    return folder


def open_session(path: Path, *, intra_threads: int = 1) -> Any:
    """A CPU ONNX Runtime session of `path` with `intra_threads` threads inside each operator
    and one between operators (propscan runs one graph at a time per session)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = intra_threads
    opts.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as e:   # onnxruntime raises its own exception types for corrupt files
        raise ModelError(f"{path}: ONNX Runtime cannot load it ({type(e).__name__}); "
                         "reinstall or retrain the model") from None
