"""``mathrl train alphazero`` and ``mathrl play``: thin argument layers over :mod:`.train` and :mod:`.agent`."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from mathrl.agents.alphazero.config import MAX_SIMS
from mathrl.agents.runs import check_writable_folder, summary_line


class CLIError(Exception):
    """Bad user input: one line on stderr, exit code 2."""


def _game_kwargs(args) -> dict:
    kw = {}
    if getattr(args, "rows", None) is not None:
        kw["rows"] = args.rows
    if getattr(args, "cols", None) is not None:
        kw["cols"] = args.cols
    if getattr(args, "n", None) is not None:
        kw["n"] = args.n
    return kw


def _make_game(name: str, kw: dict):
    from mathrl.envs.games.registry import make_game

    try:
        return make_game(name, **kw)
    except (TypeError, ValueError) as exc:
        raise CLIError(str(exc)) from exc


def _check_count(flag: str, value, low: int = 1) -> None:
    if value is not None and value < low:
        raise CLIError(f"{flag} must be >= {low}, got {value}")


def _check_seconds(flag: str, value) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise CLIError(f"{flag} must be a finite number of seconds > 0, got {value}")


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


WORKER_BYTES = 300 * 2**20  # a self-play process with torch loaded, measured: about 300 MB resident


def _check_buffer_memory(config, game) -> None:
    """Refuse, before anything is allocated, a run this machine's memory cannot hold: the replay buffer
    (allocated up front) and the network (weights, gradients and Adam's two moments in the trainer, one copy
    per self-play worker, and the activations of one training batch)."""
    per_position = math.prod(game.observation_shape) + 5 * game.num_actions + 4  # uint8 obs, bool mask, f32 pi, z
    buffer, have = config.buffer_size * per_position, _physical_memory()
    if have is not None and buffer > have:
        raise CLIError(f"buffer_size={config.buffer_size} needs about {buffer / 2**30:.1f} GiB for the replay buffer, "
                       f"more than this machine's {have / 2**30:.1f} GiB; lower it with --set buffer_size=N")
    cells = math.prod(game.observation_shape[1:])
    weights = config.blocks * 2 * 9 * config.channels ** 2  # the residual tower; the heads are small beside it
    network = (4 * weights * (4 + config.workers) + 4 * config.batch_size * config.channels * cells * config.blocks * 8
               + WORKER_BYTES * config.workers)
    if have is not None and network > 0.8 * have:
        raise CLIError(f"{config.workers} self-play workers, a {config.blocks} x {config.channels} network "
                       f"({weights / 1e6:,.1f} M weights) and training batch {config.batch_size} need about "
                       f"{network / 2**30:,.1f} GiB, more than 80% of this machine's {have / 2**30:.1f} GiB; lower "
                       f"--blocks, --channels, "
                       f"--workers or batch_size")


# ---- train ----------------------------------------------------------------
def train_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mathrl train alphazero",
                                description="AlphaZero self-play training with checkpoints and resume")
    p.add_argument("--game", default="connect4", help="tictactoe, connect4, othello or hex (for a single-player "
                                                       "search problem: --env ENV_ID, see --env --help)")
    p.add_argument("--rows", type=int, default=None, help="Connect Four rows (default 6)")
    p.add_argument("--cols", type=int, default=None, help="Connect Four columns (default 7)")
    p.add_argument("--n", type=int, default=None, help="Othello / Hex board side")
    p.add_argument("--out", default=None, help="run folder (default runs/alphazero-GAME-seedS)")
    p.add_argument("--resume", default=None, metavar="DIR",
                   help="continue the run checkpointed in DIR (training flags and --set may change its config; "
                        "game, network size, buffer size and seed may not)")
    p.add_argument("--time-limit", type=float, default=None, help="seconds of training, total over resumes (> 0)")
    p.add_argument("--iterations", type=int, default=None,
                   help="iterations to run now (>= 1; default: until --time-limit or Ctrl-C)")
    p.add_argument("--seed", type=int, default=0, help="0 <= seed < 2**63")
    p.add_argument("--workers", type=int, default=None, help="self-play processes (default 2)")
    p.add_argument("--ray", default=None, metavar="auto|local|HOST:PORT",
                   help="self-play as Ray tasks: a local Ray, this machine's cluster or a head's address "
                        "(pip install 'mathrl[ray]')")
    p.add_argument("--games-per-iter", type=int, default=None)
    p.add_argument("--sims", type=int, default=None, help="simulations per move in self-play")
    p.add_argument("--blocks", type=int, default=None)
    p.add_argument("--channels", type=int, default=None)
    p.add_argument("--eval-every", type=int, default=None, help="iterations between baseline matches (0: never)")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=JSON",
                   help="any other config field, e.g. --set lr=2e-3 --set buffer_size=200000 "
                        "(each field's type and range: AlphaZeroConfig.validate)")
    p.add_argument("--init", default=None, metavar="AGENT",
                   help="a new run starts from this agent's weights: a file, a run folder or 'pretrained' (same game "
                        "and network size); its training time and games are recorded with the new agent")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.epilog = "Bad input (flags, --set values, an unwritable --out, a foreign --resume folder) exits 2 before " \
               "anything is written."
    return p


def _config_changes(args) -> dict:
    """The flags and ``--set FIELD=JSON`` items as a nested dict of config changes."""
    changes: dict = {"search": {}}
    flags = {"workers": args.workers, "games_per_iter": args.games_per_iter, "blocks": args.blocks,
             "channels": args.channels, "eval_every": args.eval_every}
    changes.update({k: v for k, v in flags.items() if v is not None})
    if args.sims is not None:
        changes["search"]["n_sims"] = args.sims
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CLIError(f"--set expects FIELD=JSON, got {item!r}")
        key = key.strip()
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            raise CLIError(f"--set {item}: the value must be JSON (e.g. 2e-3, 64, true)") from None
        if key == "search" and not isinstance(parsed, dict):
            raise CLIError(f"--set {item}: search is a group of fields; set them one by one, e.g. --set search.c_puct=2")
        if key.startswith("search."):
            changes["search"][key[7:]] = parsed
        else:
            changes[key] = parsed
    return changes


def _apply_changes(config, changes: dict):
    from mathrl.agents.alphazero.config import AlphaZeroConfig

    data = config.to_dict()
    data["search"].update(changes.get("search", {}))
    data.update({k: v for k, v in changes.items() if k != "search"})
    try:  # every field's type and range: AlphaZeroConfig.validate / SearchConfig.validate
        config = AlphaZeroConfig.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise CLIError(f"bad config (a flag or --set): {exc}") from exc
    return config


def problem_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mathrl train alphazero --env",
                                description="AlphaZero on a single-player mathrl search problem (Buchberger "
                                            "pairs, semigroup proof cuts, graph or matrix words)")
    p.add_argument("--env", required=False, help="a mathrl env id, e.g. mathrl/Buchberger-v0")
    p.add_argument("--env-kwargs", default="{}", help="JSON object of env arguments, e.g. '{\"a\": 3, \"b\": 2}'")
    p.add_argument("--out", default=None, help="run folder (default runs/alphazero-ENV-seedS)")
    p.add_argument("--resume", default=None, metavar="DIR", help="continue the run checkpointed in DIR")
    p.add_argument("--iterations", type=int, default=None, help="iterations to run now (>= 1)")
    p.add_argument("--time-limit", type=float, default=None, help="seconds of training, total over resumes (> 0)")
    p.add_argument("--seed", type=int, default=None, help="0 <= seed < 2**31 (default 0)")
    p.add_argument("--sims", type=int, default=None, help="simulations per move in self-play")
    p.add_argument("--ray", default=None, metavar="auto|local|HOST:PORT",
                   help="self-play as Ray tasks: a local Ray, this machine's cluster or a head's address "
                        "(pip install 'mathrl[ray]')")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=JSON",
                   help="a config field: episodes_per_iter, buffer_size, train_steps, batch_size, lr, weight_decay, "
                        "eval_episodes, eval_sims (-1 the search's n_sims, 0 the policy alone), episodes.value_scale, episodes.temp_moves, episodes.concurrent, "
                        "episodes.network, episodes.policy_target (visits or completed_q), episodes.play_from (visits "
                        "or target), episodes.leaf_rollout (0..1), episodes.rollout_with (heuristic or policy), "
                        "search.FIELD")
    p.add_argument("--init", default=None, metavar="AGENT",
                   help="start a new run from this agent's weights: a run folder, an agent file, pretrained:NAME, "
                        "or pretrained (the agent shipped for --env); same env and network")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _shipped_for(env_id: str) -> str:
    """``pretrained:NAME`` of the agent shipped for ``env_id`` (CLIError when there is none)."""
    from mathrl.agents.alphazero.problem_agent import PRETRAINED, ProblemAgent

    for name in PRETRAINED:
        if ProblemAgent.load(f"pretrained:{name}").config.episodes.env_id == env_id:
            return f"pretrained:{name}"
    raise CLIError(f"--init pretrained: no AlphaZero agent is shipped for {env_id}")


def problem_train_main(argv: list[str]) -> int:
    """``mathrl train alphazero --env ENV_ID``: one-line errors (exit 2) before anything is written."""
    from mathrl.agents.alphazero.problems import ProblemConfig, ProblemTrainer, starting_agent

    args = problem_parser().parse_args(argv)
    _check_count("--iterations", args.iterations)
    _check_seconds("--time-limit", args.time_limit)
    if args.iterations is None and args.time_limit is None:
        raise CLIError("give --iterations or --time-limit (a run checkpoints after every iteration)")
    changes: dict = {"episodes": {"search": {}}}
    if args.sims is not None:
        changes["episodes"]["search"]["n_sims"] = args.sims
    for item in args.set:
        key, sep, value = item.partition("=")
        try:
            parsed = json.loads(value) if sep else None
        except json.JSONDecodeError:
            raise CLIError(f"--set {item}: the value must be JSON (e.g. 2e-3, 64, true)") from None
        if not sep or not key.strip():
            raise CLIError(f"--set expects FIELD=JSON, got {item!r}")
        path = key.strip().split(".")
        if path[0] == "search":
            path = ["episodes", *path]
        if (path[:2] == ["episodes", "network"] and isinstance(parsed, dict)) or \
                (path[:2] == ["episodes", "also"] and isinstance(parsed, list)):
            parsed = json.dumps(parsed)
        target = changes
        for part in path[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise CLIError(f"--set {item}: {part} is not a group of fields")
        target[path[-1]] = parsed
    try:
        if args.resume:
            given = [flag for flag, value in (("--env", args.env), ("--seed", args.seed), ("--out", args.out),
                                              ("--init", args.init)) if value is not None]
            if given or args.env_kwargs != "{}" or changes != {"episodes": {"search": {}}}:
                raise CLIError(f"{', '.join(given) or '--env-kwargs/--set/--sims'} cannot change on --resume: "
                               f"the run folder fixes them")
            out = Path(args.resume)
            check_writable_folder(out, "--resume", CLIError)
            _start_ray(args.ray, None)
            trainer = ProblemTrainer(None, out, resume=True)
        else:
            try:
                kwargs = json.loads(args.env_kwargs)
            except json.JSONDecodeError:
                kwargs = None
            families = kwargs if isinstance(kwargs, list) else [kwargs]
            if not families or not all(isinstance(k, dict) for k in families):
                raise CLIError(f"--env-kwargs must be a JSON object (or a list of them: instance families learned "
                               f"together), got {args.env_kwargs!r}")
            seed = 0 if args.seed is None else args.seed
            base = {"episodes": {"env_id": args.env, "env_kwargs": json.dumps(families[0])}, "seed": seed}
            if len(families) > 1:
                base["episodes"]["also"] = json.dumps(families[1:])
            config = ProblemConfig.from_dict(_merge(base, changes))
            for kwargs in config.episodes.families:  # each family's env, state and network input
                _check_problem_env(config.but(episodes=config.episodes.but(env_kwargs=json.dumps(kwargs), also="[]")))
            out = Path(args.out or f"runs/alphazero-{args.env.replace('/', '-')}-seed{seed}")
            check_writable_folder(out, "--out", CLIError)
            if (out / "checkpoint.pt").exists():
                raise CLIError(f"{out} already holds a run; continue it with --resume {out} or pick another --out")
            init = _shipped_for(config.episodes.env_id) if args.init == "pretrained" else args.init
            if init is not None:  # a foreign or damaged agent is refused before Ray starts or anything is written
                starting_agent(config, init)
            _start_ray(args.ray, config.workers)
            trainer = ProblemTrainer(config, out, init=init)
    except CLIError:
        raise
    except (ValueError, TypeError) as exc:
        raise CLIError(str(exc)) from exc
    rows = trainer.run(iterations=args.iterations, time_limit=args.time_limit, progress=not args.quiet, ray=args.ray)
    last = rows[-1] if rows else None
    print(f"{trainer.iteration} iterations, {trainer.elapsed:.0f} s of training -> {trainer.out / 'checkpoint.pt'}")
    print(summary_line(eval_return=float(last["eval_return"]) if last is not None else None,
                       iterations=trainer.iteration, seconds=round(float(trainer.elapsed), 1), out=trainer.out))
    return 0


def _merge(base: dict, changes: dict) -> dict:
    out = dict(base)
    for key, value in changes.items():
        out[key] = _merge(out.get(key, {}), value) if isinstance(value, dict) and isinstance(out.get(key, {}), dict) \
            else value
    return out


def _check_problem_env(config) -> None:
    """The env exists, is single-player, and a network reads its observations (one line otherwise)."""
    import gymnasium as gym

    from mathrl.agents.alphazero.episodes import make_env

    if config.episodes.env_id not in gym.registry:
        import mathrl  # noqa: F401  (registers the envs)
    if config.episodes.env_id not in gym.registry:
        raise CLIError(f"unknown env id {config.episodes.env_id!r} (see `mathrl list`)")
    env = make_env(config.episodes)
    env.reset(seed=0)
    state = getattr(env.unwrapped, "state", None)
    if state is None or not hasattr(state, "legal_actions"):
        raise CLIError(f"{config.episodes.env_id} has no pure state (env.unwrapped.state) to search")
    if state.num_players != 1:
        raise CLIError(f"{config.episodes.env_id} is a {state.num_players}-player game: train it with --game")
    _check_state_matches_env(config, env)


def _check_state_matches_env(config, env, steps: int = 200) -> None:
    """Self-play searches the env's pure state, so the env arguments must mean the same to both: the network
    must read the state's observation (a Buchberger ``k`` other than the state's would not), and a random
    episode must get the same rewards and end at the same step through the env and through the state
    (``rewards="monomials"`` or a ``max_steps`` the state ignores would not). One line otherwise."""
    import numpy as np
    import torch

    from mathrl.agents.alphazero.episodes import build_network, encode
    from mathrl.agents.alphazero.networks import observation_kind

    kind = observation_kind(env.observation_space)
    _, info = env.reset(seed=0)
    state = env.unwrapped.state.clone()
    try:
        with torch.no_grad():
            build_network(config.episodes, env)(*encode([state], kind))
    except (RuntimeError, ValueError) as exc:
        raise CLIError(f"--env-kwargs {config.episodes.env_kwargs}: the network for these observations cannot read "
                       f"the searched state's ({str(exc).splitlines()[0]}); use the env's default settings") from None
    rng = np.random.default_rng(0)
    for t in range(steps):
        action = int(rng.choice(np.flatnonzero(np.asarray(info["action_mask"])[:state.num_actions])))
        _, reward, terminated, truncated, info = env.step(action)
        own = state.apply(action)
        if not np.isclose(reward, own) or terminated != state.is_terminal() or (truncated and not terminated):
            raise CLIError(f"--env-kwargs {config.episodes.env_kwargs}: the env and its pure state disagree at step "
                           f"{t + 1} (reward {reward:g} against {own:g}, end {terminated or truncated} against "
                           f"{state.is_terminal()}); self-play searches the state, so these settings would train "
                           f"for something else than the env's return")
        if terminated:
            break


def train_main(argv: list[str]) -> int:
    from mathrl.agents.alphazero.config import default_config
    from mathrl.agents.alphazero.problems import is_problem_run
    from mathrl.agents.alphazero.train import Trainer, load_run_config

    resume = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--resume"),
                  next((a.split("=", 1)[1] for a in argv if a.startswith("--resume=")), None))
    if any(a == "--env" or a.startswith("--env=") for a in argv) or (resume and is_problem_run(resume)):
        return problem_train_main(argv)
    args = train_parser().parse_args(argv)
    # every input is checked before anything is written (the Trainer creates the run folder)
    _check_count("--iterations", args.iterations)
    _check_seconds("--time-limit", args.time_limit)
    for flag, value in (("--workers", args.workers), ("--games-per-iter", args.games_per_iter),
                        ("--sims", args.sims), ("--blocks", args.blocks), ("--channels", args.channels)):
        _check_count(flag, value)
    _check_count("--eval-every", args.eval_every, 0)
    changes = _config_changes(args)
    if args.resume:
        given = [flag for flag in ("--game", "--rows", "--cols", "--n", "--seed", "--out", "--init")
                 if any(a == flag or a.startswith(flag + "=") for a in argv)]
        if args.init is not None and "--init" not in given:  # given abbreviated (argparse accepts --ini)
            given.append("--init")
        if given:  # silently ignoring them would train something else than the user asked for
            raise CLIError(f"{', '.join(given)} cannot change on --resume: the run folder fixes them")
        out = Path(args.resume)  # training knobs may change on resume; the network, game and buffer may not
        try:
            config = _apply_changes(load_run_config(out), changes)
        except ValueError as exc:
            raise CLIError(str(exc)) from exc
        check_writable_folder(out, "--resume", CLIError)
        _check_buffer_memory(config, _make_game(config.game, dict(config.game_kwargs)))
        _start_ray(args.ray, config.workers)
        try:
            trainer = Trainer(config, out, resume=True)
        except ValueError as exc:
            raise CLIError(str(exc)) from exc
    else:
        kw = _game_kwargs(args)
        _make_game(args.game, kw)
        if not 0 <= args.seed <= 2**63 - 1:
            raise CLIError(f"--seed must be in [0, 2**63 - 1], got {args.seed}")
        try:
            config = default_config(args.game, **kw).but(seed=args.seed)
        except ValueError as exc:
            raise CLIError(str(exc)) from exc
        config = _apply_changes(config, changes)
        game = _make_game(config.game, dict(config.game_kwargs))  # --set game=... / game_kwargs=... too
        _check_buffer_memory(config, game)
        out = Path(args.out or f"runs/alphazero-{args.game}-seed{args.seed}")
        check_writable_folder(out, "--out", CLIError)
        if (out / "checkpoint.pt").exists():
            raise CLIError(f"{out} already holds a run; continue it with --resume {out} or pick another --out")
        init = None
        if args.init is not None:
            init = f"pretrained:{config.game}" if args.init == "pretrained" else args.init
            from mathrl.agents.alphazero.agent import read_agent

            try:
                read_agent(init)  # one line for a missing or foreign file, before anything is written
            except ValueError as exc:
                raise CLIError(f"--init: {exc}") from exc
        _start_ray(args.ray, config.workers)
        try:
            trainer = Trainer(config, out, init=init)
        except ValueError as exc:
            raise CLIError(str(exc)) from exc
    summary = trainer.run(iterations=args.iterations, time_limit=args.time_limit, progress=not args.quiet,
                          ray=args.ray)
    print(f"{summary['iterations']} iterations, {summary['games']} games, "
          f"{summary['train_seconds']:.0f} s of training -> {trainer.out / 'agent.pt'}")
    print(summary_line(iterations=summary["iterations"], games=summary["games"],
                       seconds=round(float(summary["train_seconds"]), 1),
                       vs_random=summary.get("vs_random_score"), vs_mcts=summary.get("vs_mcts_score"),
                       agent=trainer.out / "agent.pt"))
    return 0


# ---- play -----------------------------------------------------------------
def make_player(spec: str, game, game_name: str, sims: int | None, seed: int, symmetrize: bool | None = None,
                precision: str = "fp32"):
    """A ``(state, rng) -> action`` player (with ``.choose`` for batches where it is an AlphaZero agent)."""
    from mathrl.envs.games import opponents

    if spec == "random":
        return opponents.RandomOpponent()
    if spec == "mcts":
        return opponents.MCTSOpponent(n_sims=sims or 1000)
    if spec in ("solver", "perfect"):
        try:
            player = opponents.PerfectOpponent(game)
        except ValueError as exc:
            raise CLIError(str(exc)) from exc
        return player
    from mathrl.agents.alphazero.agent import load_agent

    path = f"pretrained:{game_name}" if spec == "pretrained" else spec
    try:
        agent = load_agent(path, n_sims=sims, symmetrize=symmetrize, precision=precision)
    except (ValueError, OSError) as exc:
        raise CLIError(str(exc) if isinstance(exc, ValueError) else f"cannot read {spec}: {exc}") from exc
    if agent.game != game:
        raise CLIError(f"{spec}: the agent plays {agent.game!r}, not {game!r}")
    return agent


def parse_position(game, line: str):
    """A move string -> state: digits for games with <= 9 actions ("4455"), else comma-separated numbers; 1-based."""
    text = line.strip().split(" ", 1)[0] if line.strip() else ""
    if text in ("", "-"):
        return game.new_initial_state()
    tokens = text.split(",") if ("," in text or game.num_actions > 9) else list(text)
    state = game.new_initial_state()
    from mathrl.core import IllegalActionError

    for k, token in enumerate(tokens):
        action = game.parse_move(token)
        try:
            state.apply(action)
        except IllegalActionError as exc:
            raise ValueError(f"move {k + 1} ({token}): {exc}") from None
    return state


def play_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mathrl play", description="play a game against an agent, or answer positions")
    p.add_argument("game", help="tictactoe, connect4, othello or hex")
    p.add_argument("--agent", default="pretrained", help="PATH, pretrained, mcts, solver or random")
    p.add_argument("--sims", type=int, default=None, help="simulations per move (agent: its config; mcts: 1000)")
    p.add_argument("--batch", action="store_true",
                   help="read one position (move string) per line on stdin, print the agent's move for each")
    p.add_argument("--first", choices=["human", "agent"], default="human",
                   help="who moves first (interactive; q or end of input quits)")
    p.add_argument("--rows", type=int, default=None)
    p.add_argument("--cols", type=int, default=None)
    p.add_argument("--n", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    return p


def play_main(argv: list[str]) -> int:
    args = play_parser().parse_args(argv)
    game = _make_game(args.game, _game_kwargs(args))
    if args.sims is not None and not 0 <= args.sims <= MAX_SIMS:
        raise CLIError(f"--sims must be in 0..{MAX_SIMS:,}, got {args.sims}")
    if not 0 <= args.seed <= 2**63 - 1:
        raise CLIError(f"--seed must be in [0, 2**63 - 1], got {args.seed}")
    player = make_player(args.agent, game, args.game, args.sims, args.seed)
    rng = np.random.default_rng(args.seed)
    if args.batch:
        states, number = [], 0
        lines = iter(sys.stdin)
        while True:
            number += 1
            try:
                line = next(lines)
            except StopIteration:
                break
            except UnicodeDecodeError:
                raise CLIError("stdin is not text in the locale's encoding (near line "
                               f"{number}; the text is decoded in blocks)") from None
            try:
                state = parse_position(game, line)
            except ValueError as exc:
                raise CLIError(f"line {number}: {exc}") from None
            if state.is_terminal():
                raise CLIError(f"line {number}: the game is over in this position")
            states.append(state)
        moves = player.choose(states) if hasattr(player, "choose") else [player(s, rng) for s in states]
        sys.stdout.write("".join(game.format_move(a) + "\n" for a in moves))
        return 0
    return _interactive(game, player, rng, human_first=args.first == "human")


def _interactive(game, player, rng, human_first: bool) -> int:
    state = game.new_initial_state()
    human = 0 if human_first else 1
    print(f"You are player {human} ({'first' if human == 0 else 'second'}). Moves are 1-based; q quits.")
    while not state.is_terminal():
        print(state, end="\n\n")
        if state.current_player() == human:
            try:
                text = input("your move: ").strip()
            except EOFError:  # end of input (Ctrl-D, a closed pipe) quits like q
                print()
                return 0
            except UnicodeDecodeError:  # bytes that are not text: a bad move, not a crash
                print("  that was not text in the locale's encoding; type a column or cell number")
                continue
            if text.lower() in ("q", "quit", "exit"):
                return 0
            try:
                state.apply(game.parse_move(text))
            except ValueError as exc:
                print(f"  {exc}")
            continue
        action = player(state, rng)
        print(f"agent plays {game.format_move(action)}")
        state.apply(action)
    print(state)
    winner = state.winner()
    print("draw" if winner == -1 else "you win" if winner == human else "the agent wins")
    return 0


def _start_ray(ray: str | None, workers: int) -> None:
    """Connect to Ray before a run folder is written, so that a bad ``--ray`` is a one-line error."""
    from mathrl.agents.executor import start_ray

    start_ray(ray, workers, CLIError)
