"""Agent and checkpoint files never run code on load, and every broken one is a one-line error.

A crafted pickle (``__reduce__`` -> ``open(marker, "w")``) saved with ``torch.save`` as ``agent.pt`` or
``checkpoint.pt`` must be refused by every loader without the marker file appearing; truncated files
give one line naming the file; every file mathrl saves loads under ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

import mathrl  # noqa: F401  (registers the envs)
from mathrl.agents.alphazero import default_config
from mathrl.agents.alphazero.agent import load_agent as load_alphazero
from mathrl.agents.alphazero.agent import save_agent as save_alphazero
from mathrl.agents.alphazero.selfplay import build_net
from mathrl.agents.alphazero.train import Trainer, load_run_config
from mathrl.agents.files import FileFormatError, from_safe, load_file, save_file, to_safe
from mathrl.agents.players import load_player
from mathrl.agents.ppo.agent import load_agent as load_ppo
from mathrl.agents.ppo.config import make_config
from mathrl.agents.ppo.ppo import PPOTrainer
from mathrl.cli import main
from mathrl.envs.games.tictactoe import TicTacToe

TINY_AZ = default_config("tictactoe").but(workers=1, games_per_iter=4, concurrent_games=4, batch_size=16,
                                          eval_every=0, buffer_size=100, blocks=1, channels=8)
TINY_AZ = TINY_AZ.but(search=TINY_AZ.search.but(n_sims=4))


def tiny_ppo(**changes):
    return make_config("CartPole-v1", num_envs=2, num_steps=8, total_steps=32, update_epochs=1, num_minibatches=1,
                       checkpoint_every=1, eval_episodes=1, **changes)


class Payload:
    """Unpickling this creates ``marker``: what a crafted agent file would do instead (run anything)."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def craft(path: Path, marker: Path, **fields) -> Path:
    """A file that looks like an agent or checkpoint (the right keys) with the payload where weights go."""
    data = {"format": "mathrl-alphazero-1", "config": TINY_AZ.to_dict(), "weights": Payload(marker),
            "extra": {}, **fields}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(data, path)
    return path


@pytest.fixture
def marker(tmp_path):
    m = tmp_path / "pwned"
    yield m
    assert not m.exists(), "loading the crafted file ran its code"


def one_line(message: str, path: Path) -> None:
    assert "\n" not in message.strip() and str(path) in message and len(message) < 400, message


def test_the_payload_is_live(tmp_path):
    """The tests below mean something only if unpickling the payload does create the marker."""
    m = tmp_path / "live"
    pickle.loads(pickle.dumps(Payload(m)))
    assert m.exists()


# ---- every loader refuses a crafted file, and runs nothing --------------------------------------
def test_alphazero_agent_loader_refuses_a_crafted_file(tmp_path, marker):
    path = craft(tmp_path / "agent.pt", marker)
    with pytest.raises(FileFormatError) as err:
        load_alphazero(path)
    one_line(str(err.value), path)
    assert "unsafe" in str(err.value)
    with pytest.raises(FileFormatError):
        load_alphazero(tmp_path)  # the run folder holding it


def test_ppo_agent_loader_refuses_a_crafted_file(tmp_path, marker):
    path = craft(tmp_path / "agent.pt", marker, format="mathrl-ppo-agent/1")
    with pytest.raises(FileFormatError) as err:
        load_ppo(path)
    one_line(str(err.value), path)


@pytest.mark.parametrize("fmt", ["mathrl-alphazero-1", "mathrl-ppo-agent/1"])
def test_players_refuse_a_crafted_agent(tmp_path, marker, fmt):
    path = craft(tmp_path / "agent.pt", marker, format=fmt)
    with pytest.raises(ValueError) as err:
        load_player(f"agent:{path}", TicTacToe())
    one_line(str(err.value), path)


def test_buchberger_agent_strategy_refuses_a_crafted_file(tmp_path, marker):
    from mathrl.envs.buchberger.strategies import make_strategy

    path = craft(tmp_path / "agent.pt", marker, format="mathrl-ppo-agent/1")
    with pytest.raises(ValueError) as err:
        make_strategy(f"agent:{path}")
    one_line(str(err.value), path)


def test_search_resume_refuses_a_crafted_checkpoint(tmp_path, marker):
    from mathrl.agents.cem.search import ResumeError, Search
    from mathrl.scores import make

    path = craft(tmp_path / "checkpoint.pt", marker, agent="cem", seed=0, states=[], elapsed=0.0, word_length=15)
    with pytest.raises(ResumeError) as err:
        Search(make("wagner-2.1", n=6), tmp_path, resume=True)
    one_line(str(err.value), path)


def test_alphazero_trainer_resume_refuses_a_crafted_checkpoint(tmp_path, marker):
    path = craft(tmp_path / "checkpoint.pt", marker)
    for load in (lambda: load_run_config(tmp_path), lambda: Trainer(None, tmp_path, resume=True)):
        with pytest.raises(FileFormatError) as err:
            load()
        one_line(str(err.value), path)


def test_ppo_trainer_resume_refuses_a_crafted_checkpoint(tmp_path, marker):
    path = craft(tmp_path / "checkpoint.pt", marker)
    with pytest.raises(FileFormatError) as err:
        PPOTrainer(tiny_ppo(), tmp_path, resume=True)
    one_line(str(err.value), path)


def test_ppo_bench_refuses_a_crafted_agent(tmp_path, marker):
    from mathrl.benchmarks.ppo import BenchError, run_bench

    path = craft(tmp_path / "agent.pt", marker, format="mathrl-ppo-agent/1")
    (tmp_path / "config.json").write_text(json.dumps(tiny_ppo().to_dict()))
    with pytest.raises(BenchError) as err:
        run_bench([tmp_path], progress=False)
    one_line(str(err.value), path)


# ---- truncated, empty and foreign files: one line naming the file --------------------------------
def _alphazero_agent_file(path: Path) -> Path:
    torch.manual_seed(0)
    save_alphazero(path, build_net(TINY_AZ), TINY_AZ)
    return path


@pytest.mark.parametrize("damage", ["truncated", "empty", "text", "plain pickle", "not a dict"])
def test_broken_agent_files_give_one_line(tmp_path, damage):
    path = _alphazero_agent_file(tmp_path / "agent.pt")
    good = path.read_bytes()
    path.write_bytes({"truncated": good[:len(good) // 2], "empty": b"", "text": b"hello\n",
                      "plain pickle": pickle.dumps({"format": "mathrl-alphazero-1"}), "not a dict": b""}[damage])
    if damage == "not a dict":
        torch.save([1, 2, 3], path)
    for load in (load_alphazero, load_ppo, lambda p: load_player(f"agent:{p}", TicTacToe())):
        with pytest.raises(ValueError) as err:
            load(path)
        one_line(str(err.value), path)


def test_agent_file_with_wrong_shapes_gives_one_line(tmp_path):
    path = _alphazero_agent_file(tmp_path / "agent.pt")
    data = load_file(path)
    data["config"]["channels"] = 16  # the weights no longer fit the network the config builds
    save_file(data, path)
    with pytest.raises(FileFormatError) as err:
        load_alphazero(path)
    one_line(str(err.value), path)


def test_load_file_names_a_missing_file(tmp_path):
    with pytest.raises(FileFormatError, match="no such file") as err:
        load_file(tmp_path / "nope.pt", "agent file")
    one_line(str(err.value), tmp_path / "nope.pt")


# ---- what save_file converts, and that it writes atomically -------------------------------------
def test_numpy_round_trips_through_safe_types(tmp_path):
    data = {"words": np.arange(12, dtype=np.uint8).reshape(3, 4)[:, ::-1], "scores": np.linspace(0, 1, 5),
            "mask": np.array([True, False]), "big": np.array([2**40], dtype=">i8"), "u32": np.arange(3, dtype=np.uint32),
            "scalar": np.float64(2.5), "count": np.int64(7), "flag": np.bool_(True),
            "mt": np.random.Generator(np.random.MT19937(3)).bit_generator.state,  # holds a uint32 array
            "nested": [(np.float32(1.0), {"k": np.zeros(2)})]}
    save_file(data, tmp_path / "f.pt")
    raw = torch.load(tmp_path / "f.pt", weights_only=True)  # loads without any help
    assert isinstance(raw["scalar"], float) and isinstance(raw["count"], int) and raw["flag"] is True
    back = load_file(tmp_path / "f.pt")
    for key in ("words", "scores", "mask", "big", "u32"):
        assert back[key].dtype == data[key].dtype and np.array_equal(back[key], data[key]), key
    rng = np.random.Generator(np.random.MT19937(0))
    rng.bit_generator.state = back["mt"]
    assert rng.random() == np.random.Generator(np.random.MT19937(3)).random()
    assert np.array_equal(back["nested"][0][1]["k"], np.zeros(2)) and isinstance(back["nested"][0], tuple)
    assert from_safe(to_safe(data["words"])).tolist() == data["words"].tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.pt"]  # no temporary file left behind


@pytest.mark.parametrize("bad", [object(), {"x": np.array([object()])}, {"d": __import__("collections").deque()},
                                 {"f": frozenset([1])}])
def test_save_file_refuses_what_would_not_load(tmp_path, bad):
    with pytest.raises(TypeError, match="cannot save"):
        save_file(bad, tmp_path / "f.pt")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    save_file({"v": 1}, tmp_path / "f.pt")

    def broken(obj, f):
        f.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken)
    with pytest.raises(OSError):
        save_file({"v": 2}, tmp_path / "f.pt")
    monkeypatch.undo()
    assert load_file(tmp_path / "f.pt") == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.pt"]


# ---- every saver's file loads under weights_only=True --------------------------------------------
def _weights_only(path: Path):
    return torch.load(path, map_location="cpu", weights_only=True)


@pytest.mark.parametrize("agent", ["cem", "local", "nmcs"])
def test_search_checkpoints_load_weights_only_and_resume(tmp_path, agent):
    from mathrl.agents.cem.search import Search
    from mathrl.agents.searchers import parse_agent
    from mathrl.scores import make

    config = parse_agent(agent)[2].but(islands=1)
    if agent == "cem":
        config = config.but(n_sessions=40)
    first = Search(make("wagner-2.1", n=6), tmp_path, config=config, seed=1)
    first.run(max_iterations=1, progress=False)
    raw = _weights_only(tmp_path / "checkpoint.pt")
    assert raw["format"] == "mathrl-search-checkpoint/2"
    resumed = Search(make("wagner-2.1", n=6), tmp_path, resume=True)
    assert resumed.iteration == 1 and resumed.best()[0] == first.best()[0]
    assert isinstance(resumed.states[0]["best_word"], np.ndarray)
    assert np.array_equal(resumed.states[0]["best_word"], first.states[0]["best_word"])
    resumed.run(max_iterations=2, progress=False)
    assert resumed.iteration == 2


def test_alphazero_checkpoint_and_agent_load_weights_only(tmp_path):
    trainer = Trainer(TINY_AZ, tmp_path)
    trainer.run(iterations=1, progress=False)
    trainer.matches.append(["iter1", "random", np.float64(1.5), np.float64(2.5)])  # as play_match may give them
    trainer.previous = (1, {k: v.clone() for k, v in trainer.net.state_dict().items()})
    trainer.checkpoint()
    raw = _weights_only(tmp_path / "checkpoint.pt")
    assert raw["format"] == "mathrl-alphazero-checkpoint/2" and raw["matches"][-1][2:] == [1.5, 2.5]
    assert _weights_only(tmp_path / "agent.pt")["format"] == "mathrl-alphazero-1"
    resumed = Trainer(None, tmp_path, resume=True)
    assert resumed.iteration == 1 and resumed.previous[0] == 1 and resumed.matches == trainer.matches
    assert resumed.buffer.size == trainer.buffer.size
    for k, v in trainer.net.state_dict().items():
        assert torch.equal(v, resumed.net.state_dict()[k]), k
    assert load_alphazero(tmp_path).choose([TicTacToe().new_initial_state()])


def test_ppo_checkpoint_and_agent_load_weights_only_and_envs_pkl_is_hashed(tmp_path, marker):
    cfg = tiny_ppo(obs_norm=True)
    PPOTrainer(cfg, tmp_path).run(updates=1, progress=False)
    raw = _weights_only(tmp_path / "checkpoint.pt")
    envs = tmp_path / "envs.pkl"
    assert raw["format"] == "mathrl-ppo-checkpoint/2"
    assert raw["envs_sha256"] == hashlib.sha256(envs.read_bytes()).hexdigest()
    assert _weights_only(tmp_path / "agent.pt")["format"] == "mathrl-ppo-agent/1"
    assert PPOTrainer(cfg, tmp_path, resume=True).update == 1
    good = envs.read_bytes()
    for bad in (good[:len(good) // 2], pickle.dumps(Payload(marker))):  # torn, or replaced by a crafted one
        envs.write_bytes(bad)
        with pytest.raises(FileFormatError, match="SHA-256") as err:
            PPOTrainer(cfg, tmp_path, resume=True)
        one_line(str(err.value), envs)
    envs.unlink()
    with pytest.raises(FileFormatError, match="missing"):
        PPOTrainer(cfg, tmp_path, resume=True)


def test_a_crafted_envs_pkl_with_consistent_hashes_is_never_unpickled(tmp_path, marker):
    """Whoever writes a whole run folder can make the SHA-256 and the manifest agree with a crafted
    envs.pkl; only this user's key can sign it, so the snapshot is skipped and the episodes restart."""
    from mathrl.agents.files import save_file
    from mathrl.agents.runs import write_manifest

    cfg = tiny_ppo()
    PPOTrainer(cfg, tmp_path).run(updates=1, progress=False)
    payload = pickle.dumps(Payload(marker))
    (tmp_path / "envs.pkl").write_bytes(payload)
    raw = _weights_only(tmp_path / "checkpoint.pt")
    raw["envs_sha256"] = hashlib.sha256(payload).hexdigest()
    save_file(raw, tmp_path / "checkpoint.pt")
    write_manifest(tmp_path, ["checkpoint.pt", "envs.pkl"], trainer="ppo", update=1)
    with pytest.warns(UserWarning, match="not written with this user's key"):
        trainer = PPOTrainer(cfg, tmp_path, resume=True)
    assert trainer.update == 1 and not marker.exists()
    trainer.run(updates=2, progress=False)  # and the run goes on from fresh episodes
    assert trainer.update == 2


def test_shipped_agents_load_weights_only():
    root = Path(mathrl.__file__).parent / "agents"
    for path in [root / "alphazero" / "pretrained" / "tictactoe.pt", root / "alphazero" / "pretrained" / "connect4.pt",
                 root / "ppo" / "pretrained" / "buchberger.pt"]:
        assert isinstance(_weights_only(path)["weights"], dict), path


# ---- the command line: exit code 2, one line, nothing run ---------------------------------------
def cli(argv, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("5\n"))
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, err


def assert_usage_error(code, err, path):
    assert code == 2, err
    assert err.startswith("mathrl: error:") and err.count("\n") == 1 and "Traceback" not in err, err
    assert str(path) in err


def test_cli_play_with_a_crafted_agent(tmp_path, marker, monkeypatch, capsys):
    path = craft(tmp_path / "agent.pt", marker)
    code, err = cli(["play", "tictactoe", "--agent", path, "--batch"], monkeypatch, capsys)
    assert_usage_error(code, err, path)
    path.write_bytes(b"PK\x03\x04 truncated")
    code, err = cli(["play", "tictactoe", "--agent", path, "--batch"], monkeypatch, capsys)
    assert_usage_error(code, err, path)


@pytest.mark.parametrize("damage", ["crafted", "truncated"])
def test_cli_resume_of_a_crafted_or_truncated_checkpoint(tmp_path, marker, monkeypatch, capsys, damage):
    runs = {}
    # alphazero: a crafted file where a run folder's checkpoint goes
    runs["alphazero"] = tmp_path / "az"
    craft(runs["alphazero"] / "checkpoint.pt", marker)
    # ppo: the CLI wants config.json too
    runs["ppo"] = tmp_path / "ppo"
    craft(runs["ppo"] / "checkpoint.pt", marker)
    (runs["ppo"] / "config.json").write_text(json.dumps(tiny_ppo().to_dict()))
    # search: a real run folder (run.json), its checkpoint replaced
    runs["search"] = tmp_path / "search"
    code, err = cli(["search", "--score", "wagner-2.1", "--n", "6", "--agent", "hybrid", "--sessions", "20", "--islands", "1",
                     "--iterations", "1", "--out", runs["search"], "--quiet"], monkeypatch, capsys)
    assert code == 1, err
    craft(runs["search"] / "checkpoint.pt", marker)
    if damage == "truncated":
        for run in runs.values():
            _alphazero_agent_file(run / "checkpoint.pt")
            data = (run / "checkpoint.pt").read_bytes()
            (run / "checkpoint.pt").write_bytes(data[:len(data) // 3])
    for argv, run in ((["train", "alphazero", "--resume"], runs["alphazero"]),
                      (["train", "ppo", "--resume"], runs["ppo"]),
                      (["search", "--resume"], runs["search"])):
        code, err = cli([*argv, run, "--quiet"], monkeypatch, capsys)
        assert_usage_error(code, err, run / "checkpoint.pt")


def test_cli_bench_ppo_with_a_crafted_agent(tmp_path, marker, monkeypatch, capsys):
    path = craft(tmp_path / "run" / "agent.pt", marker, format="mathrl-ppo-agent/1")
    (tmp_path / "run" / "config.json").write_text(json.dumps(tiny_ppo().to_dict()))
    code, err = cli(["bench", "ppo", tmp_path / "run", "--out", tmp_path / "bench", "--quiet"], monkeypatch, capsys)
    assert_usage_error(code, err, path)


def test_an_interrupt_inside_a_writer_whose_clean_up_fails_is_reported_as_the_interrupt(tmp_path):
    """Ctrl-C or SIGTERM inside torch.save: its zip writer then fails on clean-up with a RuntimeError, which
    must not hide the interrupt (the trainer turns that into a clean stop with the checkpoint kept)."""
    import pytest

    from mathrl.agents.files import save_bytes

    def writer(f):
        try:
            f.write(b"partial")
            raise KeyboardInterrupt("signal SIGTERM")
        finally:
            raise RuntimeError("unexpected pos")  # what torch's zip writer raised on the way out

    (tmp_path / "x.pt").write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        save_bytes(writer, tmp_path / "x.pt")
    assert (tmp_path / "x.pt").read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["x.pt"]
