"""What benchmarks say about the machine: hardware flags and instruction-set limits from the environment."""

import os
import subprocess
import sys
from pathlib import Path

from mathrl.sysinfo import ISA_LIMIT_VARIABLES, cpu_flags, describe_isa, isa_limits

ROOT = Path(__file__).resolve().parents[1]


def test_limits_are_read_from_the_environment(monkeypatch):
    for name in ISA_LIMIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert isa_limits() == {} and "limited" not in describe_isa()
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    assert isa_limits() == {"ATEN_CPU_CAPABILITY": "avx2"}
    assert "ATEN_CPU_CAPABILITY=avx2" in describe_isa()
    assert set(cpu_flags()) == {"avx2", "avx512f", "avx512_bf16"}


def test_avx2_script_makes_torch_and_numba_use_avx2_kernels():
    probe = ("import numba, torch; from numpy._core._multiarray_umath import __cpu_features__ as f; "
             "print(torch.backends.cpu.get_cpu_capability(), numba.config.CPU_NAME, f['X86_V4'])")
    env = {k: v for k, v in os.environ.items() if k not in ISA_LIMIT_VARIABLES}
    out = subprocess.run(["bash", str(ROOT / "scripts" / "avx2.sh"), sys.executable, "-c", probe], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["AVX2", "znver3", "False"]
