"""Guarding user plug-in scores: real numbers only, no exits, per-call time limits, verification children
that die are errors (never hangs, never confirmed counterexamples)."""

import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from fractions import Fraction

import numpy as np
import pytest

import mathrl
from mathrl.envs.graphs.scores.plugin import (TIMEOUT_ENV, FunctionScore, call_in_child_process,
                                              call_with_timeout, default_call_timeout)
from mathrl.envs.graphs.scores import Score, ScoreError, resolve, verify_word

WORDS = np.zeros((3, 6), dtype=np.uint8)  # three 4-vertex graphs
HAS_ALARM = hasattr(signal, "setitimer")
needs_alarm = pytest.mark.skipif(not HAS_ALARM, reason="per-call time limits need SIGALRM (Unix)")


def run_cli(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "mathrl.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


# -- real numbers only ------------------------------------------------------------------------
@pytest.mark.parametrize("value, needle", [
    ("1.5", "non-numeric"), (True, "bool"), (np.bool_(False), "bool"), (1 + 2j, "complex"),
    (np.complex128(1), "complex"), (None, "non-numeric"), (float("nan"), "non-finite"), (-np.inf, "non-finite"),
    (np.array(["1"]), "string array"), (np.array([True]), "bool array"), (np.array([1.0], dtype=object), "object"),
    (np.array([1.0, 2.0]), "shaped"),
])
def test_per_object_score_must_return_a_finite_real(value, needle):
    def conj(g):
        return value

    with pytest.raises(ScoreError, match=needle) as excinfo:
        FunctionScore(conj, 4).score_words(WORDS)
    assert "conj" in str(excinfo.value)


@pytest.mark.parametrize("make_value, needle", [
    (lambda b: np.ones(b, dtype=bool), "bool array"), (lambda b: np.ones(b, dtype=complex), "complex"),
    (lambda b: np.array(["1.5"] * b), "string array"), (lambda b: np.ones(b, dtype=object), "object array"),
    (lambda b: np.full(b, np.nan), "non-finite"), (lambda b: 1.0, "single number"), (lambda b: "1.5", "non-numeric"),
    (lambda b: [True] * b, "bool array"), (lambda b: np.ones((b, 1)), "shape"), (lambda b: 1 + 2j, "complex"),
])
def test_batched_score_must_return_a_real_array_of_the_right_shape(make_value, needle):
    @mathrl.batched
    def conj(adj):
        return make_value(len(adj))

    with pytest.raises(ScoreError, match=needle) as excinfo:
        FunctionScore(conj, 4).score_words(WORDS)
    assert "conj" in str(excinfo.value)


def test_real_numbers_of_any_ordinary_type_are_accepted():
    for value in (3, np.int64(3), np.uint8(3), np.float32(3), 3.0, Fraction(3), np.array(3.0), [3.0]):
        assert FunctionScore(lambda g, v=value: v, 4).score_words(WORDS).tolist() == [3.0] * 3
    for make_value in (lambda b: np.full(b, 3, dtype=np.int8), lambda b: [3.0] * b, lambda b: np.full(b, 3.0)):
        score = FunctionScore(lambda adj, f=make_value: f(len(adj)), 4, batched=True)
        assert score.score_words(WORDS).tolist() == [3.0] * 3


# -- exits --------------------------------------------------------------------------------------
@pytest.mark.parametrize("exc, needle", [(SystemExit(0), r"SystemExit\(0\)"), (SystemExit("bye"), "SystemExit"),
                                         (GeneratorExit(), "GeneratorExit")])
def test_exits_from_a_plugin_are_score_errors(exc, needle):
    def conj(g):
        raise exc

    with pytest.raises(ScoreError, match=needle) as excinfo:
        FunctionScore(conj, 4).score_words(WORDS)
    assert "conj" in str(excinfo.value)


def test_keyboard_interrupt_still_propagates():
    """In-process it cannot be told apart from Ctrl-C, which must stop (and checkpoint) a search."""
    def conj(g):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        FunctionScore(conj, 4).score_words(WORDS)


# -- time limits ----------------------------------------------------------------------------------
def _sleeper(g):
    time.sleep(30)
    return 1.0


def _stubborn(g):
    try:
        time.sleep(30)
    except BaseException:  # swallows the alarm
        pass
    return 1.0


@needs_alarm
@pytest.mark.parametrize("func, batched", [(_sleeper, False), (_stubborn, False), (_sleeper, True)])
def test_a_hanging_plugin_is_stopped_after_its_call_timeout(func, batched):
    score = FunctionScore(func, 4, batched=batched, call_timeout=0.2)
    started = time.monotonic()
    with pytest.raises(ScoreError, match=r"did not return within 0\.2 s"):
        score.score_words(WORDS)
    assert time.monotonic() - started < 3
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@needs_alarm
def test_an_existing_alarm_handler_and_timer_are_restored():
    fired = []

    def handler(signum, frame):
        fired.append(signum)

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 5.0)
        assert FunctionScore(lambda g: 1.0, 4, call_timeout=1.0).score_words(WORDS).tolist() == [1.0] * 3
        with pytest.raises(ScoreError, match="did not return"):
            FunctionScore(_sleeper, 4, call_timeout=0.2).score_words(WORDS)
        assert signal.getsignal(signal.SIGALRM) is handler
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 3.0 < left < 5.0
        signal.setitimer(signal.ITIMER_REAL, 0.05)  # a shorter outer timer runs the call untimed under it
        assert call_with_timeout(lambda x: time.sleep(0.2) or x, 7, 10.0) == 7
        assert fired and signal.getsignal(signal.SIGALRM) is handler
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_off_the_main_thread_calls_run_untimed():
    result = []
    thread = threading.Thread(target=lambda: result.append(call_with_timeout(
        lambda x: time.sleep(0.3) or x, 5, 0.05)))
    thread.start()
    thread.join()
    assert result == [5]


def test_call_timeout_default_env_and_kwargs(monkeypatch, tmp_path):
    monkeypatch.delenv(TIMEOUT_ENV, raising=False)
    assert default_call_timeout() == 60.0 and FunctionScore(len, 4).call_timeout == 60.0
    monkeypatch.setenv(TIMEOUT_ENV, "2.5")
    assert FunctionScore(len, 4).call_timeout == 2.5
    assert FunctionScore(len, 4, call_timeout=None).call_timeout is None
    for off in ("0", "none", "off"):
        monkeypatch.setenv(TIMEOUT_ENV, off)
        assert FunctionScore(len, 4).call_timeout is None
    monkeypatch.setenv(TIMEOUT_ENV, "soon")
    with pytest.raises(ScoreError, match=TIMEOUT_ENV):
        FunctionScore(len, 4)
    monkeypatch.delenv(TIMEOUT_ENV)
    for bad in (-1, "x", True, float("nan")):
        with pytest.raises(ScoreError, match="call_timeout"):
            FunctionScore(len, 4, call_timeout=bad)
    path = tmp_path / "conj.py"
    path.write_text("def edges(g):\n    return float(g.number_of_edges())\n")
    score = resolve(f"{path}:edges", 4, score_kwargs={"call_timeout": 7})
    assert score.call_timeout == 7.0 and score.spec()["call_timeout"] == 7.0
    assert pickle.loads(pickle.dumps(score)).call_timeout == 7.0  # island workers get the same limit


# -- verification children --------------------------------------------------------------------------
def _dies_in_child(g):
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        os._exit(3)
    return 1.0


def test_a_dying_child_is_an_error_naming_its_exit_code():
    started = time.monotonic()
    with pytest.raises(ScoreError, match="exit code 3"):
        call_in_child_process(os._exit, 3, timeout=30)
    with pytest.raises(ScoreError, match="SIGKILL"):
        call_in_child_process(lambda: os.kill(os.getpid(), signal.SIGKILL), timeout=30)  # pid of the child
    with pytest.raises(ScoreError, match="SystemExit"):
        call_in_child_process(sys.exit, 0, timeout=30)
    with pytest.raises(ScoreError, match=r"no result within 0\.5 s"):
        call_in_child_process(time.sleep, 30, timeout=0.5)
    assert time.monotonic() - started < 10
    assert call_in_child_process(lambda x: x + 1, 41) == 42


def test_verification_of_a_plugin_whose_child_dies_is_invalid_not_a_hang():
    score = FunctionScore(lambda g: _dies_in_child(g), 4)  # a lambda: re-run in a forked child
    assert score.score_words(WORDS).tolist() == [1.0] * 3
    verification = score.verify(score.decode(np.ones(6, dtype=np.uint8)))
    assert not verification.valid and not verification.is_counterexample
    assert "exit code 3" in verification.details["error"]

    class Dying(Score):
        name = "dying"

        def score(self, graph):
            return _dies_in_child(graph)

    verification = verify_word(Dying(4), np.ones(6, dtype=np.uint8))
    assert not verification.valid and "exit code 3" in verification.value


def test_fresh_process_verification_errors_name_the_exit_code(tmp_path):
    path = tmp_path / "conj.py"
    path.write_text("import os, sys\n\n"
                    "def dies(g):\n"
                    "    if os.path.basename(sys.argv[0]) == 'plugin.py':  # the fresh verification process\n"
                    "        os._exit(3)\n"
                    "    return 1.0\n\n"
                    "def chatty(g):\n"
                    "    print('hello', end='')\n"
                    "    return float(g.number_of_edges())\n")
    dies = resolve(f"{path}:dies", 4)
    verification = dies.verify(dies.decode(np.ones(6, dtype=np.uint8)))
    assert not verification.valid and "exit code 3" in verification.details["error"]
    chatty = resolve(f"{path}:chatty", 4)
    verification = chatty.verify(chatty.decode(np.ones(6, dtype=np.uint8)))
    assert verification.valid and verification.is_counterexample and verification.value == "6.0"


# -- through the CLI ---------------------------------------------------------------------------------
@pytest.mark.parametrize("body, env, needle", [
    ("def score(g):\n    raise SystemExit(0)\n", {}, "SystemExit(0)"),
    ("def score(g):\n    return True\n", {}, "bool"),
    pytest.param("import time\n\ndef score(g):\n    time.sleep(60)\n    return 1.0\n", {TIMEOUT_ENV: "0.5"},
                 "did not return within 0.5 s", marks=needs_alarm),
])
def test_misbehaving_plugins_exit_2_in_preflight(tmp_path, body, env, needle):
    plugin = tmp_path / "plug.py"
    plugin.write_text(body)
    out = tmp_path / "out"
    started = time.monotonic()
    proc = run_cli("search", "--score", f"{plugin}:score", "--n", "5", "--out", str(out), "--quiet", env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("mathrl: error:") and proc.stderr.count("\n") == 1
    assert needle in proc.stderr and "plug.py" in proc.stderr
    assert not out.exists()
    assert time.monotonic() - started < 30


def test_cli_counterexample_whose_verification_child_dies_is_not_reported(tmp_path):
    plugin = tmp_path / "plug.py"
    plugin.write_text("import os, sys\n\ndef score(g):\n"
                      "    if os.path.basename(sys.argv[0]) == 'plugin.py':\n        os._exit(3)\n"
                      "    return float(g.number_of_edges())\n")
    out = tmp_path / "out"
    proc = run_cli("search", "--score", f"{plugin}:score", "--n", "5", "--agent", "hybrid", "--sessions", "20", "--islands", "1",
                   "--iterations", "2", "--out", str(out), "--quiet")
    assert proc.returncode == 3, proc.stderr
    assert not (out / "counterexample.json").exists()
    record = json.loads((out / "failed_verification.json").read_text())
    assert not record["verification"]["valid"] and "exit code 3" in record["verification"]["details"]["error"]


def test_a_plugin_failing_mid_search_is_one_line_exit_2_and_the_run_is_kept(tmp_path):
    """Pre-flight passes (6 calls in a child, 12 here), then the plug-in returns NaN: a usage error, not a traceback."""
    counter = tmp_path / "calls"
    plugin = tmp_path / "flaky.py"
    plugin.write_text(
        "import math\n"
        f"COUNTER = {str(counter)!r}\n"
        "def score(g):\n"
        "    with open(COUNTER, 'a') as f:\n"
        "        f.write('.')\n"
        "    with open(COUNTER) as f:\n"
        "        calls = len(f.read())\n"
        "    return -1.0 if calls <= 18 else math.nan\n")  # 6 calls in the child probe, 12 at pre-flight
    out = tmp_path / "run"
    proc = run_cli("search", "--score", f"{plugin}:score", "--n", "5", "--agent", "local", "--islands", "1",
                   "--time-limit", "30", "--out", str(out), "--quiet")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[-1].startswith("mathrl: error:") and "non-finite" in lines[-1] and str(out) in lines[-1]
    assert (out / "run.json").exists()


@pytest.mark.parametrize("source, needle", [
    ("import os\ndef score(g):\n    os._exit(0)\n", "exit code 0"),          # ends its process while scoring
    ("import sys\nsys.exit(0)\ndef score(g):\n    return 1.0\n", "SystemExit"),  # exits while importing
])
def test_a_plugin_that_ends_its_process_is_an_error_not_a_success(tmp_path, source, needle):
    plugin = tmp_path / "ender.py"
    plugin.write_text(source)
    out = tmp_path / "run"
    proc = run_cli("search", "--score", f"{plugin}:score", "--n", "6", "--iterations", "2", "--out", str(out),
                   "--quiet")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and lines[-1].startswith("mathrl: error:") and needle in lines[-1], proc.stderr
    assert not out.exists()


def test_score_kwargs_must_be_a_json_object(tmp_path):
    proc = run_cli("search", "--score", "wagner-2.1", "--n", "6", "--score-kwargs", "[1, 2]", "--out",
                   str(tmp_path / "run"))
    assert proc.returncode == 2 and "JSON object" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "run").exists()
