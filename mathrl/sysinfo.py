"""What benchmarks report about the machine they ran on."""

from __future__ import annotations

import platform


def cpu_model() -> str:
    """The CPU model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> dict:
    """Whether the CPU has AVX-512 and native bfloat16: absolute speeds differ ~2x with them."""
    flags: set[str] = set()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    return {"avx2": "avx2" in flags, "avx512f": "avx512f" in flags, "avx512_bf16": "avx512_bf16" in flags}


ISA_LIMIT_VARIABLES = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS", "NUMBA_CPU_NAME",
                       "OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")


def isa_limits() -> dict:
    """The instruction-set limits set in the environment (``scripts/avx2.sh`` sets them all).

    A machine with AVX-512 can run a benchmark as an AVX2-only machine would: torch,
    oneDNN, MKL, OpenBLAS, numba and numpy each honour one of these variables and then
    dispatch to their AVX2 kernels. ``cpu_flags`` reports the hardware; this reports
    what the process was told to use, so a result says which it measured.
    """
    import os

    return {name: os.environ[name] for name in ISA_LIMIT_VARIABLES if os.environ.get(name)}


def describe_isa() -> str:
    """One line for a benchmark's header: the hardware's vector extensions, and any limit set on them."""
    flags = cpu_flags()
    text = f"AVX-512: {flags['avx512f']}, bf16: {flags['avx512_bf16']}"
    limits = isa_limits()
    if limits:
        text += " (limited by the environment: " + ", ".join(f"{k}={v}" for k, v in limits.items()) + ")"
    return text
