"""Training runs survive a kill at any instant: fault injection for PPO and AlphaZero.

A driver process runs ``mathrl train ...`` and SIGKILLs itself at a planned moment: right before or
after the n-th atomic replace of a named file in the run folder (``checkpoint.pt``, ``manifest.json``,
``envs.pkl``, ``buffer.npz``: every step of a checkpoint commit), halfway through writing a
``metrics.jsonl`` row (a torn row), or after a random delay. The run is then resumed (or started
again, when no checkpoint had been written) until it finishes, and must end exactly where an
uninterrupted run ends: the same number of updates / iterations, the same weights bit for bit (both
trainers are deterministic with one thread and a seed), the same metrics rows, none duplicated or
torn. Also: a checkpoint paired with another iteration's buffer is refused in one line, SIGTERM
checkpoints and exits 130, and self-play workers die with a SIGKILLed trainer.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import mathrl  # noqa: F401  (registers the envs)
from mathrl.agents.files import FileFormatError, load_file
from mathrl.agents.runs import MANIFEST, verify_manifest

ROOT = Path(__file__).resolve().parents[1]
KILLED = -signal.SIGKILL

# the driver: plan in argv[1] (JSON), then ``mathrl`` with the plan's arguments
DRIVER = r"""
import json, os, signal, sys, threading
plan = json.loads(sys.argv[1])
from mathrl.cli import main
import mathrl.agents.runlog as metrics_module
out = os.path.realpath(plan["out"])

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if plan.get("file"):
    real_replace, seen = os.replace, [0]
    def replace(src, dst, *args, **kwargs):
        dst = os.path.realpath(os.fspath(dst))
        hit = False
        if os.path.dirname(dst) == out and os.path.basename(dst) == plan["file"]:
            seen[0] += 1
            hit = seen[0] == plan["nth"]
        if hit and plan["when"] == "before":
            die()
        real_replace(src, dst, *args, **kwargs)
        if hit:
            die()
    os.replace = replace
if plan.get("torn_row"):
    real_append, rows = metrics_module.append_jsonl, [0]
    def append(file, row):
        rows[0] += 1
        if rows[0] == plan["torn_row"]:
            line = json.dumps(row)
            file.write(line[:len(line) // 2])
            file.flush()
            die()
        real_append(file, row)
    metrics_module.append_jsonl = append
if plan.get("seconds"):
    timer = threading.Timer(plan["seconds"], die)
    timer.daemon = True
    timer.start()
sys.exit(main(plan["argv"]))
"""

PPO_ARGS = ["--env", "mathrl/TicTacToe-v0", "--steps", "384", "--seed", "3", "--quiet",
            "--set", "num_envs=2", "--set", "num_steps=16", "--set", "update_epochs=2", "--set", "num_minibatches=2",
            "--set", "checkpoint_every=2", "--set", "eval_episodes=2"]
PPO_UPDATES = 12
AZ_ARGS = ["--game", "tictactoe", "--workers", "1", "--games-per-iter", "4", "--sims", "4", "--eval-every", "0",
           "--blocks", "1", "--channels", "8", "--seed", "2", "--quiet",
           "--set", "buffer_size=100", "--set", "batch_size=16", "--set", "concurrent_games=4"]
AZ_ITERATIONS = 5
TIMING = {"train_seconds", "steps_per_second", "collect_seconds", "learn_seconds", "selfplay_seconds",
          "sims_per_second"}


def drive(plan: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", DRIVER, json.dumps(plan)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


# ---- the two trainers, as the harness sees them -----------------------------------------------------
class PPORun:
    name, total = "ppo", PPO_UPDATES

    @staticmethod
    def argv(out: Path) -> list[str]:
        if (out / "checkpoint.pt").exists():  # what a user does: resume when there is a checkpoint
            return ["train", "ppo", "--resume", str(out), "--quiet"]
        return ["train", "ppo", *PPO_ARGS, "--out", str(out)]

    @staticmethod
    def reference(out: Path):
        from mathrl.agents.ppo.config import PPOConfig
        from mathrl.agents.ppo.ppo import PPOTrainer

        trainer = PPOTrainer(PPOConfig.from_dict(json.loads((out / "config.json").read_text())), out / "reference")
        trainer.run(progress=False)
        return {k: v.clone() for k, v in trainer.policy.state_dict().items()}, trainer.update

    @staticmethod
    def final(out: Path):
        from mathrl.agents.ppo.ppo import PARTS
        from mathrl.agents.runs import finish_commit

        finish_commit(out, PARTS)  # as a resume does (the last segment always ends cleanly, though)
        ck = load_file(out / "checkpoint.pt", "PPO checkpoint")
        return ck["policy"], int(ck["update"]), load_file(out / "agent.pt", "agent")["weights"]


class AlphaZeroRun:
    name, total = "alphazero", AZ_ITERATIONS

    @staticmethod
    def argv(out: Path) -> list[str] | None:
        if (out / "checkpoint.pt").exists():
            done = json.loads((out / MANIFEST).read_text())["iteration"]
            if done == AZ_ITERATIONS:  # killed after the last commit: finished (--iterations 0 is refused)
                return None
            return ["train", "alphazero", "--resume", str(out), "--iterations", str(AZ_ITERATIONS - done), "--quiet"]
        return ["train", "alphazero", *AZ_ARGS, "--iterations", str(AZ_ITERATIONS), "--out", str(out)]

    @staticmethod
    def reference(out: Path):
        from mathrl.agents.alphazero.config import AlphaZeroConfig
        from mathrl.agents.alphazero.train import Trainer

        trainer = Trainer(AlphaZeroConfig.from_dict(json.loads((out / "config.json").read_text())), out / "reference")
        trainer.run(iterations=AZ_ITERATIONS, progress=False)
        return {k: v.clone() for k, v in trainer.net.state_dict().items()}, trainer.iteration

    @staticmethod
    def final(out: Path):
        from mathrl.agents.alphazero.train import read_checkpoint

        ck = read_checkpoint(out)  # as a resume reads it: a commit killed between its manifests is completed
        agent = load_file(out / "agent.pt", "agent")
        # agent.pt is written right after each commit: a kill in between leaves the previous iteration's
        if int(agent["extra"]["iteration"]) < int(ck["iteration"]):
            assert int(agent["extra"]["iteration"]) == int(ck["iteration"]) - 1
            agent = ck
        return ck["weights"], int(ck["iteration"]), agent["weights"]


def metric_rows(path: Path, step: str) -> list[dict]:
    """Every line complete and JSON (nothing torn), the steps 1, 2, 3... (nothing duplicated or lost)."""
    data = path.read_bytes()
    assert data.endswith(b"\n"), "a torn last row"
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert [r[step] for r in rows] == list(range(1, len(rows) + 1)), [r[step] for r in rows]
    return [{k: v for k, v in r.items() if k not in TIMING} for r in rows]


def plans(seed: int, kind, count: int) -> list[dict]:
    """Kill points: the checkpoint commit's steps (both sides of each replace), torn rows, random delays."""
    rng = random.Random(seed)
    files = ["checkpoint.pt", MANIFEST, "envs.pkl" if kind is PPORun else "buffer.npz", "agent.pt"]
    out = []
    for _ in range(count):
        what = rng.choice(["file", "file", "file", "torn_row", "seconds"])
        if what == "file":
            out.append({"file": rng.choice(files), "nth": rng.randint(1, 4), "when": rng.choice(["before", "after"])})
        elif what == "torn_row":
            out.append({"torn_row": rng.randint(1, 3)})
        else:
            out.append({"seconds": round(rng.uniform(0.05, 1.0), 3)})
    return out


# the commit's critical instants, for both trainers (random ones in the slow campaigns):
#   before checkpoint.pt #1: the first commit's manifest names staged parts, no checkpoint.pt yet (start again)
#   after MANIFEST #3: the second commit's first manifest names staged parts, nothing linked yet
#   after checkpoint.pt #2: a commit's new checkpoint.pt linked, its other part still the previous one
#   a torn metrics row
FIXED = [{"file": "checkpoint.pt", "nth": 1, "when": "before"}, {"file": MANIFEST, "nth": 3, "when": "after"},
         {"file": "checkpoint.pt", "nth": 2, "when": "after"}, {"torn_row": 2}]


def _manifest(out: Path) -> dict:
    try:
        return json.loads((out / MANIFEST).read_text())
    except OSError:
        return {}


def _between_manifests(out: Path) -> bool:
    """Killed inside a commit: the manifest names the staged parts (the final names may be a mix)."""
    return any(".next." in name for name in _manifest(out).get("parts", {}))


def campaign(kind, tmp_path: Path, kills: list[dict]) -> dict:
    out = tmp_path / kind.name
    stats = {"attempted": 0, "resumed": 0, "restarted": 0, "segments": 0, "between_manifests": 0}
    for plan in [*kills, {}]:
        argv = kind.argv(out)
        if argv is None:
            break
        if stats["segments"]:  # after a kill: from its checkpoint, or from scratch when there was none yet
            stats["resumed" if "--resume" in argv else "restarted"] += 1
        result = drive({**plan, "argv": argv, "out": str(out)})
        stats["segments"] += 1
        print(f"  {kind.name} {argv[2:4]} {plan} -> {result.returncode}, manifest "
              f"{_manifest(out).get('iteration', _manifest(out).get('update'))}")
        if plan and result.returncode == KILLED:
            stats["attempted"] += 1
            stats["between_manifests"] += _between_manifests(out)
            continue
        assert result.returncode == 0, (plan, result.returncode, result.stderr[-2000:])
        if plan:  # the run ended before the planned moment came
            break
    # finished: exactly where an uninterrupted run ends
    weights, count, agent_weights = kind.final(out)
    reference, ref_count = kind.reference(out)
    assert count == ref_count == kind.total
    for key, value in reference.items():
        assert torch.equal(weights[key], value), f"{kind.name}: {key} differs from the uninterrupted run"
        assert torch.equal(agent_weights[key], value), f"{kind.name}: agent.pt {key} differs"
    step = "update" if kind is PPORun else "iteration"
    assert metric_rows(out / "metrics.jsonl", step) == metric_rows(out / "reference" / "metrics.jsonl", step)
    assert verify_manifest(out)["parts"].keys() == verify_manifest(out / "reference")["parts"].keys()
    assert not [p.name for p in out.iterdir() if ".next." in p.name or p.name.endswith(".tmp")]
    stats["survived"] = stats["attempted"]  # every kill above was survived: nothing lost, nothing mixed
    print(f"\n{kind.name}: {stats}")
    return stats


@pytest.mark.parametrize("kind", [PPORun, AlphaZeroRun], ids=["ppo", "alphazero"])
def test_kills_at_each_commit_step_resume_bit_for_bit(kind, tmp_path):
    stats = campaign(kind, tmp_path, FIXED)
    assert stats["attempted"] == 4 and stats["restarted"] >= 1 and stats["resumed"] >= 2
    assert stats["between_manifests"] >= 3


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("kind", [PPORun, AlphaZeroRun], ids=["ppo", "alphazero"])
def test_random_kill_campaigns(kind, seed, tmp_path):
    stats = campaign(kind, tmp_path, plans(seed, kind, 8))
    assert stats["attempted"] >= 2


# ---- a checkpoint never meets another iteration's parts -----------------------------------------------
def test_an_iteration_1_checkpoint_with_an_iteration_3_buffer_is_refused_in_one_line(tmp_path, capsys):
    from mathrl.agents.alphazero import default_config
    from mathrl.agents.alphazero.train import Trainer
    from mathrl.cli import main

    config = default_config("tictactoe").but(workers=1, games_per_iter=4, concurrent_games=4, batch_size=16,
                                             eval_every=0, buffer_size=100, blocks=1, channels=8)
    config = config.but(search=config.search.but(n_sims=4))
    run, saved = tmp_path / "run", tmp_path / "iteration1"
    Trainer(config, run).run(iterations=1, progress=False)
    saved.mkdir()
    for name in ("checkpoint.pt", MANIFEST, "buffer.npz"):
        shutil.copy(run / name, saved / name)
    Trainer(None, run, resume=True).run(iterations=2, progress=False)

    def refused(match: str) -> None:
        with pytest.raises(FileFormatError, match=match) as err:
            Trainer(None, run, resume=True)
        assert "\n" not in str(err.value) and str(run) in str(err.value), err.value
        assert main(["train", "alphazero", "--resume", str(run), "--iterations", "1", "--quiet"]) == 2
        message = capsys.readouterr().err
        assert message.startswith("mathrl: error:") and message.count("\n") == 1, message

    shutil.copy(saved / "checkpoint.pt", run / "checkpoint.pt")  # iteration 1's checkpoint, iteration 3's rest
    refused("checkpoint.pt does not match")
    shutil.copy(saved / MANIFEST, run / MANIFEST)  # ... and its manifest: the buffer is the odd one out
    refused("buffer.npz does not match")
    (run / MANIFEST).unlink()  # no manifest at all: never committed
    refused("never committed")
    shutil.copy(saved / "buffer.npz", run / "buffer.npz")  # the whole iteration-1 checkpoint resumes
    shutil.copy(saved / MANIFEST, run / MANIFEST)
    assert Trainer(None, run, resume=True).iteration == 1


def test_a_ppo_checkpoint_with_another_updates_envs_is_refused(tmp_path):
    from mathrl.agents.ppo.config import make_config
    from mathrl.agents.ppo.ppo import PPOTrainer

    cfg = make_config("mathrl/TicTacToe-v0", num_envs=2, num_steps=8, total_steps=64, update_epochs=1,
                      num_minibatches=1, checkpoint_every=1, eval_episodes=1)
    PPOTrainer(cfg, tmp_path).run(updates=1, progress=False)
    first = {name: (tmp_path / name).read_bytes() for name in ("checkpoint.pt", MANIFEST)}
    PPOTrainer(cfg, tmp_path, resume=True).run(updates=2, progress=False)
    (tmp_path / "checkpoint.pt").write_bytes(first["checkpoint.pt"])
    with pytest.raises(FileFormatError, match="SHA-256") as err:
        PPOTrainer(cfg, tmp_path, resume=True)
    assert "\n" not in str(err.value)
    (tmp_path / MANIFEST).write_bytes(first[MANIFEST])
    with pytest.raises(FileFormatError, match="SHA-256"):
        PPOTrainer(cfg, tmp_path, resume=True)


# ---- SIGTERM checkpoints like Ctrl-C; self-play workers never outlive the trainer -----------------------
def _start(argv: list[str], out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", DRIVER, json.dumps({"argv": argv, "out": str(out)})], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(process: subprocess.Popen, path: Path, rows: int = 0, timeout: float = 90, iteration: int = 0) -> None:
    """Until ``path`` exists with at least ``rows`` lines (a manifest: of at least ``iteration``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if path.read_bytes().count(b"\n") >= rows and (
                    not iteration or json.loads(path.read_text()).get("iteration", 0) >= iteration):
                return
        except (OSError, ValueError):
            pass
        if process.poll() is not None:
            raise AssertionError(f"the run ended first: {process.communicate()[1][-2000:]}")
        time.sleep(0.02)
    process.kill()
    raise AssertionError(f"no {rows} rows in {path} after {timeout} s")


def test_sigterm_checkpoints_the_last_whole_update_and_exits_130(tmp_path):
    from mathrl.agents.ppo.config import PPOConfig
    from mathrl.agents.ppo.ppo import PPOTrainer

    out = tmp_path / "ppo"
    # checkpoint_every=1000: the only checkpoint is the one SIGTERM writes
    argv = ["train", "ppo", "--env", "mathrl/TicTacToe-v0", "--steps", "3200000", "--out", str(out), "--quiet",
            "--set", "num_envs=2", "--set", "num_steps=16", "--set", "update_epochs=1", "--set", "num_minibatches=1",
            "--set", "checkpoint_every=1000", "--set", "eval_episodes=1"]
    process = _start(argv, out)
    _wait_for(process, out / "metrics.jsonl", 3)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err[-2000:]
    assert "interrupted" in err and "Traceback" not in err, err[-2000:]
    verify_manifest(out)
    update = int(load_file(out / "checkpoint.pt", "PPO checkpoint")["update"])
    # 3 rows were seen; the signal may land between row 3 and the snapshot of update 3 (a busy machine)
    assert update >= 2
    resumed = PPOTrainer(PPOConfig.from_dict(json.loads((out / "config.json").read_text())), out, resume=True)
    assert resumed.update == update
    resumed.run(updates=1, progress=False)  # the log is cut back to the checkpoint: rows 1..update+1, once each
    assert len(metric_rows(out / "metrics.jsonl", "update")) == update + 1


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_children(int(child))]
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_self_play_workers_die_with_the_trainer(tmp_path, how):
    out = tmp_path / "az"
    argv = ["train", "alphazero", "--game", "tictactoe", "--workers", "2", "--games-per-iter", "8", "--sims", "16",
            "--eval-every", "0", "--blocks", "1", "--channels", "8", "--iterations", "1000", "--out", str(out),
            "--quiet", "--set", "buffer_size=1000", "--set", "batch_size=16"]
    process = _start(argv, out)
    _wait_for(process, out / MANIFEST, iteration=1)  # the first iteration committed
    workers = [pid for pid in _children(process.pid)
               if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
    assert len(workers) >= 2, workers
    process.send_signal(getattr(signal, how))
    _, err = process.communicate(timeout=60)
    assert process.returncode == (KILLED if how == "SIGKILL" else 130), err[-2000:]
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_alive, workers)), "self-play workers outlived the trainer"
    # the last whole iteration, committed; a kill between a commit's two manifests leaves the staged parts
    # named by the first, which resume's read_checkpoint promotes (finish_commit) before anything reads them
    from mathrl.agents.alphazero.train import read_checkpoint

    iteration = read_checkpoint(out)["iteration"]
    assert iteration == verify_manifest(out)["iteration"] >= 1


# ---- readers of a log that a kill tore ------------------------------------------------------------------
def test_curve_readers_skip_a_torn_last_row(tmp_path, capsys):
    from mathrl.agents.alphazero import default_config
    from mathrl.agents.alphazero.train import Trainer
    from mathrl.agents.ppo.ppo import plot_curves, read_metrics
    from mathrl.cli import main

    config = default_config("tictactoe").but(workers=1, games_per_iter=4, concurrent_games=4, batch_size=16,
                                             eval_every=1, eval_games=2, eval_sims=2, eval_mcts_sims=2,
                                             buffer_size=100, blocks=1, channels=8)
    Trainer(config.but(search=config.search.but(n_sims=4)), tmp_path).run(iterations=2, progress=False)
    log = tmp_path / "metrics.jsonl"
    rows = log.read_text().splitlines()
    log.write_text(rows[0] + "\n" + rows[1] + "\n" + rows[1] + "\n" + rows[1][:40])  # a repeat, a torn row
    with pytest.warns(UserWarning, match="torn"):
        assert main(["bench", "games", "curve", str(tmp_path), "--png", str(tmp_path / "c.png"),
                     "--out", str(tmp_path / "c.json")]) == 0
    assert [p["iteration"] for p in json.loads((tmp_path / "c.json").read_text())["curves"]["tictactoe"]] == [1, 2]
    ppo_log = tmp_path / "ppo.jsonl"
    ppo_log.write_text('{"update": 1, "global_step": 8, "episode_return": 1.0}\n{"update": 2, "glo')
    with pytest.warns(UserWarning, match="torn"):
        assert [r["update"] for r in read_metrics(ppo_log)] == [1]
        plot_curves({"x": ppo_log}, tmp_path / "curve.png")
    assert np.isfinite((tmp_path / "curve.png").stat().st_size)
