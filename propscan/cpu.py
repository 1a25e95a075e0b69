"""What this CPU can do fast. Speed figures and training precision depend on it.

On an Intel Xeon with AMX, bf16 autocast makes a training step faster than fp32; on an AMD
EPYC with AVX2 only, the same bf16 step is about 24x slower (shared/MEASURED.md). So bf16 is
chosen by CPU feature, never by default.
"""

from __future__ import annotations

import platform
from functools import lru_cache

# Flags worth printing beside a speed figure: they decide which kernels ONNX Runtime and torch use.
SPEED_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8",
               "avx_vnni")
BF16_FLAGS = ("amx_bf16", "avx512_bf16")


@lru_cache(maxsize=1)
def cpu_info() -> tuple[str, frozenset[str]]:
    """(model name, feature flags) of this machine's CPU, from /proc/cpuinfo where there is one."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model in ("", platform.machine(), platform.processor()):
                    model = value.strip()
                elif key in ("flags", "Features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return model, frozenset(flags)


def fast_bf16() -> bool:
    """True where bf16 matrix units (AMX or AVX-512 BF16) make bf16 autocast pay on the CPU."""
    return any(f in cpu_info()[1] for f in BF16_FLAGS)


def describe() -> str:
    """One line for logs and benchmark output: the CPU model and its speed-relevant flags."""
    model, flags = cpu_info()
    shown = [f for f in SPEED_FLAGS if f in flags]
    return f"{model} [{' '.join(shown) or 'no AVX2/AVX-512/AMX'}]"
