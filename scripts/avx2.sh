#!/usr/bin/env bash
# Run a command as on an x86 machine with AVX2 but no AVX-512 (and so no native bf16):
#   bash scripts/avx2.sh .venv/bin/mathrl bench search --problems wagner-2.1:19 --agents hybrid --seeds 10
# Every numeric library the searches use picks its kernels from one of these variables; the
# benchmarks print them (mathrl.sysinfo.describe_isa), so a result says what it measured. Clock
# speed, caches and memory stay this machine's: a real AVX2-only machine may be slower still.
set -euo pipefail
export ATEN_CPU_CAPABILITY=avx2            # torch's own CPU kernels
export ONEDNN_MAX_CPU_ISA=AVX2             # oneDNN (torch convolutions, bf16 paths)
export MKL_ENABLE_INSTRUCTIONS=AVX2        # MKL (torch's matrix products)
export OPENBLAS_CORETYPE=Haswell           # OpenBLAS (numpy's linear algebra)
export NUMBA_CPU_NAME=znver3               # numba's compiled kernels: an AVX2-only AMD EPYC core
export NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"  # numpy's own dispatch
exec "$@"
