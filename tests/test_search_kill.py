"""``mathrl search`` survives kills: SIGKILL at random moments (also mid-checkpoint), SIGTERM, orphaned
workers, resume rules (time limits, plug-in paths) and ``--out`` checks.

The kill harness runs a small search as a subprocess, SIGKILLs it at chosen moments,
resumes until it finishes and compares the run folder with an uninterrupted run's:
the same status and iteration count, one log row per (island, iteration) with no
duplicate and no torn row, a valid ``best.json``. The CEM agent with one island and
one torch thread is bit-for-bit deterministic given its seed, whatever the chunk
boundaries, so the best word and score, and every log row (less its timings),
must equal the uninterrupted run's too.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mathrl.agents.files import load_file

ITERATIONS = 200
SEARCH = ["search", "--score", "wagner-2.1", "--n", "8", "--agent", "cem", "--islands", "1", "--sessions", "50",
          "--seed", "3", "--quiet"]
CADENCE = ["--checkpoint-every", "0.2"]  # chunks of 0.2 s, a checkpoint after each


def mathrl(*args, cwd=None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mathrl", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def wait_for(predicate, proc: subprocess.Popen | None = None, timeout: float = 60.0, poll: float = 0.005):
    """Poll ``predicate`` until true (returns True) or ``proc`` has exited / the timeout passed (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(poll)
    raise AssertionError("timed out")


def sigkill(proc: subprocess.Popen) -> bool:
    """SIGKILL ``proc`` unless it has already exited; True when the kill landed."""
    if proc.poll() is not None:
        return False
    proc.kill()
    proc.communicate(timeout=30)
    return proc.returncode == -signal.SIGKILL


def log_has_rows(out: Path):
    return lambda: (out / "metrics.jsonl").exists() and (out / "metrics.jsonl").stat().st_size > 0


def written_since(path: Path, since: int):
    """``path`` was (re)written after ``since`` (``time.time_ns()``): by this process, not an earlier one."""
    return lambda: path.exists() and path.stat().st_mtime_ns > since


def writing(out: Path, name: str, pid: int):
    """``pid`` is writing ``name`` (its temporary file exists: created, not yet renamed)."""
    prefix = f".{name}.{pid}."
    return lambda: any(entry.startswith(prefix) for entry in os.listdir(out))


def kill_at(proc: subprocess.Popen, out: Path, moment: str, rng: random.Random, since: int) -> bool:
    """Wait for ``moment`` of the run in ``out`` (started at ``since``) and SIGKILL it there.

    ``early``: after run.json, before any checkpoint of this process; ``random``: up to 1.5 s into
    its search; ``mid-checkpoint``: while checkpoint.pt's temporary file exists; ``after-checkpoint``:
    right after a checkpoint's rename. False if the run finished first.
    """
    if not wait_for(written_since(out / "run.json", since), proc):
        return False
    if moment == "random":
        if not wait_for(written_since(out / "metrics.jsonl", since), proc):  # truncated, then appended to
            return False
        time.sleep(rng.uniform(0.0, 1.5))
    elif moment == "mid-checkpoint":
        if not wait_for(writing(out, "checkpoint.pt", proc.pid), proc, poll=0):
            return False
    elif moment == "after-checkpoint":
        time.sleep(rng.uniform(0.0, 0.5))
        if not wait_for(written_since(out / "checkpoint.pt", time.time_ns()), proc, poll=0):
            return False
    elif moment != "early":
        raise ValueError(moment)
    return sigkill(proc)


def log_rows(out: Path) -> list[dict]:
    lines = (out / "metrics.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b"", "a torn last row"
    return [json.loads(line) for line in lines[:-1]]  # every row parses: none torn


def without_timings(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def check_run_folder(out: Path, reference: Path | None) -> None:
    record = json.loads((out / "best.json").read_text())
    assert record["iterations"] == ITERATIONS and record["counterexample"] is False
    rows = log_rows(out)
    keys = [(row["island"], row["iteration"]) for row in rows]
    assert sorted(keys) == [(0, i) for i in range(ITERATIONS)], "a row missing or duplicated"
    checkpoint = load_file(out / "checkpoint.pt", "search checkpoint")
    assert checkpoint["log_rows"] == ITERATIONS and checkpoint["states"][0]["iteration"] == ITERATIONS
    if reference is not None:  # deterministic: the same words, scores and statistics
        expected = json.loads((reference / "best.json").read_text())
        assert (record["score"], record["edges"]) == (expected["score"], expected["edges"])
        assert without_timings(rows) == without_timings(log_rows(reference))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run (started in the background, collected when first needed)."""
    out = tmp_path_factory.mktemp("reference") / "run"
    proc = mathrl(*SEARCH, "--iterations", ITERATIONS, "--out", out)
    state = {}

    def get() -> Path:
        if not state:
            stdout, stderr = proc.communicate(timeout=300)
            assert proc.returncode == 1, stderr
            state["out"] = out
        return state["out"]

    yield get
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


def kill_and_resume(out: Path, moments: list[str], seed: int) -> tuple[int, int]:
    """Start the search, SIGKILL it at each of ``moments`` (resuming in between), then resume to the end.

    Returns (kills attempted, kills that landed).
    """
    rng = random.Random(seed)
    landed = 0
    since = time.time_ns()
    proc = mathrl(*SEARCH, *CADENCE, "--iterations", ITERATIONS, "--out", out)
    for moment in moments:
        landed += kill_at(proc, out, moment, rng, since)
        if proc.returncode is not None and proc.returncode >= 0:
            break  # it finished before the kill
        since = time.time_ns()
        proc = mathrl("search", "--resume", out, *CADENCE, "--quiet")  # the iteration limit comes from run.json
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stderr
    assert "no counterexample within the limit" in stdout and f"after {ITERATIONS} iterations" in stdout
    return len(moments), landed


def test_sigkill_at_any_moment_then_resume_equals_an_uninterrupted_run(tmp_path, reference):
    attempted, landed = kill_and_resume(tmp_path / "run", ["early", "mid-checkpoint", "random", "after-checkpoint"],
                                        seed=0)
    assert landed >= 3, f"only {landed} of {attempted} kills landed before the run ended"
    check_run_folder(tmp_path / "run", reference())


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 7))
def test_many_sigkills(tmp_path, reference, seed):
    rng = random.Random(seed)
    moments = [rng.choice(["random", "random", "mid-checkpoint", "after-checkpoint", "early"]) for _ in range(5)]
    kill_and_resume(tmp_path / "run", moments, seed)
    check_run_folder(tmp_path / "run", reference())


def test_sigterm_checkpoints_exits_130_and_resume_continues(tmp_path):
    out = tmp_path / "run"
    since = time.time_ns()
    proc = mathrl(*SEARCH, "--time-limit", "120", "--out", out)  # chunks of 5 s, checkpoints 60 s apart
    wait_for(written_since(out / "run.json", since), proc, timeout=120)
    time.sleep(2.0)
    before = (out / "checkpoint.pt").stat().st_mtime_ns if (out / "checkpoint.pt").exists() else None
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "interrupted; a checkpoint was saved" in stderr and "Traceback" not in stderr
    assert (out / "checkpoint.pt").stat().st_mtime_ns != before  # written on SIGTERM
    checkpoint = load_file(out / "checkpoint.pt", "search checkpoint")
    done = checkpoint["states"][0]["iteration"] if checkpoint["states"][0] else 0
    assert checkpoint["log_rows"] == done == len(log_rows(out))
    proc = mathrl("search", "--resume", out, "--iterations", done + 3, "--quiet")
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert json.loads((out / "best.json").read_text())["iterations"] == done + 3
    assert [row["iteration"] for row in log_rows(out)] == list(range(done + 3))


# ---- worker processes die with the main process ---------------------------------------------------
def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has stopped computing; only its parent's reaping is left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_sigkill_of_the_main_process_leaves_no_orphan_workers(tmp_path):
    out = tmp_path / "run"
    proc = mathrl(*SEARCH[:SEARCH.index("--islands")], "--islands", "2", "--sessions", "50", "--quiet",
                  "--time-limit", "120", "--out", out)
    workers: list[int] = []
    try:
        wait_for(log_has_rows(out), proc, timeout=120)  # both workers have computed a chunk
        workers = children_of(proc.pid)
        assert len(workers) >= 2
        proc.kill()
        proc.communicate(timeout=30)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and any(map(alive, workers)):
            time.sleep(0.1)
        assert not [pid for pid in workers if alive(pid)], "orphaned workers still running 5 s after SIGKILL"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        for pid in workers:  # the workers this test started, should the check have failed
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


# ---- resume rules -----------------------------------------------------------------------------------------------
@pytest.fixture
def fake_run(monkeypatch):
    """``Search.run`` replaced by a recorder: the CLI's choices of limits, without searching."""
    import numpy as np

    from mathrl.agents.cem import search as search_module

    calls = []

    def run(self, **kwargs):
        calls.append(kwargs)
        return search_module.SearchResult(search_module.LIMIT, -1.0, np.zeros(self.score.word_length), 0, 0.0)

    monkeypatch.setattr(search_module.Search, "run", run)
    return calls


def test_resume_time_limit_and_iterations_rules(tmp_path, fake_run, capsys):
    from mathrl.cli import main

    limited, unlimited = tmp_path / "limited", tmp_path / "unlimited"
    base = ["search", "--score", "c4-free", "--n", "6", "--agent", "local", "--islands", "1", "--quiet"]
    assert main([*base, "--time-limit", "7", "--iterations", "50", "--out", str(limited)]) == 1
    assert main([*base, "--out", str(unlimited)]) == 1
    saved = json.loads((limited / "run.json").read_text())
    assert (saved["time_limit"], saved["max_iterations"]) == (7, 50)

    def resume(folder, *flags):
        assert main(["search", "--resume", str(folder), *flags]) == 1
        call = fake_run[-1]
        return call["time_limit"], call["max_iterations"]

    assert resume(limited) == (7, 50)                    # the run's own limit again, not "forever"
    assert "7 s more, 50 iterations in all" in capsys.readouterr().err
    assert resume(limited, "--time-limit", "3") == (3, 50)  # --time-limit: that many more seconds
    assert resume(limited, "--iterations", "80") == (7, 80)  # a new total, kept for later resumes
    assert resume(limited, "--quiet") == (7, 80)
    assert resume(unlimited, "--quiet") == (None, None)  # no limit only when the run had none


def test_plugin_path_is_stored_absolute_and_named_before_resume_runs_it(tmp_path, monkeypatch, fake_run, capsys):
    from mathrl.cli import main

    start, elsewhere = tmp_path / "start", tmp_path / "elsewhere"
    start.mkdir()
    elsewhere.mkdir()
    (start / "plug.py").write_text("import sys\nprint('PLUGIN IMPORTED', file=sys.stderr)\n\n"
                                   "def score(g):\n    return -1.0 - g.number_of_edges()\n")
    monkeypatch.chdir(start)
    assert main(["search", "--score", "plug.py:score", "--n", "5", "--agent", "local", "--islands", "1",
                 "--out", "run", "--quiet"]) == 1
    spec = f"{start / 'plug.py'}:score"
    assert json.loads((start / "run" / "run.json").read_text())["score_spec"] == spec
    capsys.readouterr()
    monkeypatch.chdir(elsewhere)
    assert main(["search", "--resume", str(start / "run"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"resuming: will run score plug-in {spec}" in err
    assert err.index("resuming: will run") < err.index("PLUGIN IMPORTED")


def test_resume_of_a_run_killed_before_its_first_checkpoint_starts_from_run_json(tmp_path):
    from mathrl.agents.cem.search import Search
    from mathrl.agents.local import LocalConfig
    from mathrl.scores import make

    Search(make("c4-free", n=6), tmp_path, config=LocalConfig(islands=1, steps=5), preset_name="local", seed=4,
           target=1e9)  # run.json only: killed before any round ended
    (tmp_path / "metrics.jsonl").write_text('{"island": 0, "iter')  # a torn row
    resumed = Search(make("c4-free", n=6), tmp_path, resume=True)
    assert (resumed.seed, resumed.target, resumed.iteration, resumed.config.steps) == (4, 1e9, 0, 5)
    resumed.run(max_iterations=2, progress=False)
    assert [row["iteration"] for row in log_rows(tmp_path)] == [0, 1]


# ---- --out checks ---------------------------------------------------------------------------------------
def unwritable(tmp_path: Path) -> Path:
    if os.geteuid() == 0:  # root writes through permissions: a place no one can create a folder in
        return Path("/proc/mathrl-no-such-folder/run")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked / "run"


@pytest.mark.parametrize("where", ["a file", "below a file", "unwritable"])
def test_out_that_cannot_be_a_run_folder_is_a_one_line_error(tmp_path, capsys, where):
    from mathrl.cli import main

    existing = tmp_path / "existing.txt"
    existing.write_text("keep me")
    out = {"a file": existing, "below a file": existing / "run", "unwritable": unwritable(tmp_path)}[where]
    before = sorted(tmp_path.rglob("*"))
    assert main(["search", "--score", "c4-free", "--n", "6", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mathrl: error: --out") and err.count("\n") == 1 and str(out) in err
    assert sorted(tmp_path.rglob("*")) == before and existing.read_text() == "keep me"


def test_a_new_search_never_replaces_a_run_folder(tmp_path, fake_run, capsys):
    from mathrl.cli import main

    argv = ["search", "--score", "c4-free", "--n", "6", "--agent", "local", "--out", str(tmp_path / "run"), "--quiet"]
    assert main(argv) == 1
    saved = (tmp_path / "run" / "run.json").read_bytes()
    capsys.readouterr()
    assert main([*argv, "--seed", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--resume {tmp_path / 'run'}" in err
    assert (tmp_path / "run" / "run.json").read_bytes() == saved
