"""``mathrl bench buchberger``: S-pair selection strategies against the paper's numbers, and the env's speed.

Three modes:

* ``mathrl bench buchberger [--ideals DIST] [--strategies …]`` -- every strategy
  (classical ones, ``agent:PATH`` trained agents) on the same sampled ideals:
  mean, std, s.e. and median polynomial additions, and the paper's reference
  with a z-score and a verdict (see *Judging a mean* below). The ideals are exactly the ones
  ``mathrl/Buchberger-v0`` serves after ``reset(seed=S)`` and N-1 further
  resets (same generator, same redraw rule), so a benchmark row and an env run
  with the same seed see the same ideals. The work is split into chunks
  evaluated by a plain function of (ideals, strategies, seed) -> costs, in a
  process pool.
* ``mathrl bench buchberger baselines [--samples 10000] [--out DIR]`` -- the
  classical strategies on the paper's five distributions: JSON + PNG per
  distribution and ``summary.json``; exit code 0 only when every mean was judged
  and is within 3 standard errors of its reference, 1 otherwise (a mean missed,
  or ``--samples`` below :data:`MIN_JUDGED_SAMPLES`: nothing was shown to pass).
* ``mathrl bench buchberger speed [--ideals DIST] [--repeats 5]`` -- random-policy
  episodes/s on one core (numba, OpenMP and BLAS limited to one thread, the
  process pinned to one CPU unless ``--no-pin``). The headline figure is
  ``env_auto``: ``gymnasium.make("mathrl/Buchberger-v0")`` played by a random
  agent exactly as a user would (reset, padded observation, info, every step)
  on the compiled backend; ``env_python`` is the same with the pure-Python
  fallback. Also the pure core ``BuchbergerState`` and the numba binomial core
  ``BinomialState`` playing full episodes (draw an ideal, build the state, each
  step write the (max_pairs, 2nk) pair features, apply a uniformly random pair),
  the fast core on pre-drawn ideals (the core without the sampler), microseconds
  per step, the sampler's cost, clone time, compile/cache-load time, and
  ``sympy.groebner`` on the same ideals as the in-run reference. Medians over repeats.

Judging a mean: a strategy's mean passes when it is within 3 standard errors of
the paper's (``REFERENCE``; the error combines both sample sizes). That test
only means something with enough samples: with 2 ideals the tolerance is 2.1
reference standard deviations wide, so nearly any mean would "pass", and the
costs are skewed enough that the normal approximation behind "3 standard
errors" needs a few dozen ideals. Below :data:`MIN_JUDGED_SAMPLES` the z-score
is shown but the verdict is ``too few samples``, never a pass. A distribution
without a reference row (``cyclic-n``, ``katsura-n``, any other ``n-d-s``), a
strategy without one (``last``, agents), or settings other than the paper's
(grevlex, Gebauer-Moeller elimination) get ``no reference``. ``baselines``
is a check, so it exits 0 only on a judged pass of every mean (its summary says
``not judged`` when the samples were too few); ``compare`` always exits 0 once
it has run: it reports, it does not test.

What is in reach: ``cyclic-n`` and ``katsura-n`` grow steeply with n (cyclic-6
takes seconds, cyclic-7 over a minute for most strategies, cyclic-100 would
never finish), and so does
a random family's degree and size. :data:`IN_REACH` holds the largest n whose
one sample (every default strategy) finishes within a few minutes on a 2-core
machine, per order and elimination (measured, see the comment there); larger
ones, and random families beyond :data:`MAX_RANDOM`, are refused before
anything runs unless ``--force``. The total time also grows with ``--samples``.

Only the standard library is imported at module level: ``speed`` and
``baselines`` set the thread limits before numpy and numba load.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

from mathrl.benchmarks.common import (add_output_options, check_out_dir, check_out_file, emit, one_cpu, one_thread,
                                      progress, summary_key, write_json, run_mode)
from mathrl.sysinfo import cpu_model

# Mean (sample sd) of polynomial additions over 10,000 ideals with the authors' implementation: Peifer,
# Stillman and Halpern-Leistner (2020), "Learning selection strategies in Buchberger's algorithm", ICML.
REFERENCE = {
    "3-20-10-uniform": {"first": (353.3, 116), "degree": (196.9, 57), "normal": (197.5, 58),
                        "sugar": (266.7, 88), "random": (318.3, 104)},
    "3-20-10-weighted": {"first": (189.3, 75), "degree": (136.2, 51), "normal": (136.4, 52),
                         "sugar": (160.4, 65), "random": (178.8, 69)},
    "3-20-10-maximum": {"first": (402.9, 107), "degree": (301.7, 75), "normal": (295.2, 74),
                        "sugar": (295.2, 74), "random": (567.7, 168)},
    "2-20-10-weighted": {"first": (85.0, 31), "degree": (54.7, 17), "normal": (54.2, 16),
                         "sugar": (68.4, 30), "random": (77.5, 28)},
    "3-10-10-weighted": {"first": (97.9, 38), "degree": (74.4, 27), "normal": (74.7, 28),
                         "sugar": (82.0, 34), "random": (94.1, 36)},
}
REFERENCE_SAMPLES = 10_000
REFERENCE_SETTINGS = {"order": "grevlex", "elimination": "gebauermoeller"}  # how the paper computed REFERENCE
# Fewer ideals than this: the 3-standard-error test cannot tell a right mean from a wrong one (at 30 it already
# lets a mean through that is 0.55 reference standard deviations off, at 2 one 2.1 off), so no verdict is given.
MIN_JUDGED_SAMPLES = 30
DEFAULT_STRATEGIES = "first,degree,normal,sugar,random"


class BenchError(ValueError):
    """Bad benchmark input (reported as a usage error)."""


# ---- what is in reach ----------------------------------------------------------------------
# The largest cyclic-n / katsura-n for which one sample -- each of first, degree, normal, sugar and random on the
# ideal, one after the other -- finishes within a few minutes on a 2-core x86 machine (one core, auto backend),
# per (order, elimination). Measured with evaluate_chunk on one sample, stopping any strategy at 60 s; the
# slowest strategy of the size in reach, and what stopped the next size:
#   grevlex, gebauermoeller  cyclic-6 random 3.0 s (cyclic-7: degree, normal, random > 90 s, first 30 s, sugar 48 s)
#                            katsura-9 random 38 s, all five 107 s (katsura-10: normal > 70 s)
#   grlex, gebauermoeller    cyclic-6 random 18 s (cyclic-7: random > 60 s); katsura-8 random 14 s (katsura-9: > 60 s)
#   lex, gebauermoeller      cyclic-4 0.4 s (cyclic-5: first, degree, sugar, random > 60 s);
#                            katsura-4 0.3 s (katsura-5: all but normal > 60 s)
#   grevlex, lcm             cyclic-5 random 22 s; katsura-6 random 6.2 s (the next: random > 60 s)
#   grevlex, none            cyclic-5 random 37 s; katsura-5 random 1.1 s (the next: random > 60 s)
#   grlex, lcm               cyclic-4 random 0.4 s; katsura-5 random 0.9 s (the next: random > 60 s)
#   grlex, none              cyclic-4 random 0.3 s; katsura-4 random 0.4 s (the next: random > 60 s)
#   lex, lcm / none          cyclic-3, katsura-3 under 1 s (cyclic-4, katsura-4: random > 60 s)
# Without the Gebauer-Moeller criteria the random strategy is by far the slowest (it keeps every useless pair).
IN_REACH = {
    ("cyclic", "grevlex", "gebauermoeller"): 6, ("katsura", "grevlex", "gebauermoeller"): 9,
    ("cyclic", "grlex", "gebauermoeller"): 6, ("katsura", "grlex", "gebauermoeller"): 8,
    ("cyclic", "lex", "gebauermoeller"): 4, ("katsura", "lex", "gebauermoeller"): 4,
    ("cyclic", "grevlex", "lcm"): 5, ("katsura", "grevlex", "lcm"): 6,
    ("cyclic", "grevlex", "none"): 5, ("katsura", "grevlex", "none"): 5,
    ("cyclic", "grlex", "lcm"): 4, ("katsura", "grlex", "lcm"): 5,
    ("cyclic", "grlex", "none"): 4, ("katsura", "grlex", "none"): 4,
    ("cyclic", "lex", "lcm"): 3, ("katsura", "lex", "lcm"): 3,
    ("cyclic", "lex", "none"): 3, ("katsura", "lex", "none"): 3,
}
# Random families n-d-s-...: one field at a time, the others at the paper's n = 3, d = 20, s = 10 (grevlex,
# Gebauer-Moeller), one sample of the five default strategies including drawing it (same machine):
#   n: 8-20-10-weighted 22 s (random 14 s); 10-20-10-weighted: random alone > 150 s; 64-20-10: first > 110 s, 1 GB
#   d: 3-100000-10-weighted about 40 s (31 s of it tabulating monomials, each strategy < 1.2 s);
#      3-1000000-10-weighted 39 s but 1.7 GB of memory, growing linearly with d
#   s: 3-20-10000-weighted 84 s (70 s drawing it: the redraw check builds every pair); s = 100000 has 100 times the
#      pairs (hours, and memory)
# Larger values of several fields at once can still take long: --samples 1 shows the time of one sample.
MAX_RANDOM = {"n": 8, "d": 100_000, "s": 10_000}
MAX_RANDOM_WHAT = {"n": "number of variables", "d": "maximum degree", "s": "number of generators"}


def check_in_reach(ideal_dist, order: str = "grevlex", elimination: str = "gebauermoeller", force: bool = False,
                   how: str = "--force") -> None:
    """BenchError when ``ideal_dist`` is malformed, or known to be out of reach (see :data:`IN_REACH`,
    :data:`MAX_RANDOM`) and ``force`` is false; ``how`` names the override. Imports numpy (through
    :mod:`~mathrl.envs.buchberger.distributions`): ``speed`` calls it after setting its thread limits."""
    from mathrl.envs.buchberger.distributions import parse_distribution

    if not isinstance(ideal_dist, str):  # a source object (the Python API): the caller knows what it runs
        return
    try:
        spec = parse_distribution(ideal_dist)
    except ValueError as exc:
        raise BenchError(str(exc)) from exc
    if force:
        return
    if spec.kind in ("cyclic", "katsura"):
        family, n = spec.kind, spec.n
        limit = IN_REACH.get((family, order, elimination))
        if limit is not None and n > limit:
            raise BenchError(f"{family}-{n} is out of reach: the largest {family}-n in reach with --order {order} "
                             f"--elimination {elimination} is {family}-{limit} (one sample of every default "
                             f"strategy within a few minutes on 2 cores; {family}-{limit + 1} already takes over a "
                             f"minute for one strategy, and each n more multiplies it). Pass {how} to run it anyway")
        return
    for what in "nds":
        value = getattr(spec, what)
        if value > MAX_RANDOM[what]:
            raise BenchError(f"{spec.name} is out of reach: {what} = {value:,} is above {MAX_RANDOM[what]:,}, the "
                             f"largest {MAX_RANDOM_WHAT[what]} for which one sample finishes within a few minutes "
                             f"on 2 cores with the other fields at the paper's 3-20-10 "
                             f"(mathrl.benchmarks.buchberger.MAX_RANDOM). Pass {how} to run it anyway")


# ---- compare: strategies on the same ideals ------------------------------------------------
def sample_ideals(ideal_dist: str, samples: int, seed: int, field=32003, order="grevlex",
                  elimination="gebauermoeller"):
    """The N ideals an env with this distribution serves after ``reset(seed=seed)`` (redraws included)."""
    from gymnasium.utils import seeding

    from mathrl.envs.buchberger.distributions import make_source
    from mathrl.envs.buchberger.families import FixedIdealSource
    from mathrl.envs.buchberger.state import BuchbergerState

    source = make_source(ideal_dist, field=field, order=order)
    rng, _ = seeding.np_random(seed)
    out, redraws = [], 0
    while len(out) < samples:
        polys = source.sample(rng)
        if BuchbergerState.from_generators(polys, source.ring, elimination=elimination).is_terminal():
            redraws += 1
            if isinstance(source, FixedIdealSource):
                raise BenchError(f"{ideal_dist} has no S-pairs to process")
            continue
        out.append(polys)
    return source.ring, out, redraws


def evaluate_chunk(ring, ideals, strategies, seed, start, elimination="gebauermoeller", backend="auto"):
    """Polynomial additions of every strategy on every ideal: array (len(strategies), len(ideals)).

    Random strategies are reseeded per ideal from (seed, ideal index), so the
    result does not depend on how the work was chunked.
    """
    import numpy as np

    from mathrl.envs.buchberger.groebner import make_state
    from mathrl.envs.buchberger.strategies import make_strategy

    strats = [make_strategy(s) for s in strategies]
    if any(":" in s for s in strategies) and "torch" in sys.modules:
        # a plugin strategy (a trained agent, which imported torch): one small forward pass per step,
        # where threads only add overhead per worker
        sys.modules["torch"].set_num_threads(1)
    costs = np.zeros((len(strats), len(ideals)), dtype=np.int64)
    pairs = np.zeros_like(costs)
    for t, polys in enumerate(ideals):
        for s, strat in enumerate(strats):
            strat.reseed(np.random.SeedSequence([seed, start + t, s]))
            state = make_state(polys, ring, elimination=elimination, backend=backend)
            while not state.is_terminal():
                state.apply(strat.select(state))
            st = state.stats()
            costs[s, t] = st["polynomial_additions"]
            pairs[s, t] = st["pairs_processed"]
    return costs, pairs


def _canonical(ideal_dist: str) -> str:
    from mathrl.envs.buchberger.distributions import parse_distribution

    try:
        return parse_distribution(ideal_dist).name
    except ValueError:
        return ideal_dist


def summarise(ideal_dist: str, strategies, costs, reference=REFERENCE, settings: dict | None = None) -> dict:
    """Per strategy: mean, std, s.e., median, min, max and a ``verdict``: ``pass`` / ``FAIL`` (with ``pass``
    True / False), ``too few samples`` (the reference and z are given, ``pass`` is not) or ``no reference``
    (no row for this distribution or strategy, or ``settings`` other than :data:`REFERENCE_SETTINGS`)."""
    import numpy as np

    n = costs.shape[1]
    out = {}
    comparable = all((settings or {}).get(k, v) == v for k, v in REFERENCE_SETTINGS.items())
    ref_row = reference.get(_canonical(ideal_dist), {}) if comparable else {}
    for name, row in zip(strategies, costs):
        mean, std = float(row.mean()), float(row.std(ddof=1)) if n > 1 else 0.0
        cell = {"mean": mean, "std": std, "stderr": std / math.sqrt(n), "median": float(np.median(row)),
                "min": int(row.min()), "max": int(row.max()), "verdict": "no reference"}
        if name in ref_row:
            ref_mean, ref_sd = ref_row[name]
            tol = ref_sd * math.sqrt(1 / n + 1 / REFERENCE_SAMPLES)
            z = (mean - ref_mean) / tol
            cell.update({"reference": ref_mean, "reference_std": ref_sd, "z": z, "verdict": "too few samples"})
            if n >= MIN_JUDGED_SAMPLES:
                cell.update({"pass": bool(abs(z) <= 3), "verdict": "pass" if abs(z) <= 3 else "FAIL"})
        out[name] = cell
    return out


def judgement(result: dict) -> str | None:
    """A line saying why some means were not judged against the reference (None when all were)."""
    verdicts = {c["verdict"] for c in result["strategies"].values()}
    notes = []
    if "too few samples" in verdicts:
        notes.append(f"too few samples to judge: {result['samples']} ideal(s), the 3-standard-error test needs at "
                     f"least {MIN_JUDGED_SAMPLES} (mathrl.benchmarks.buchberger.MIN_JUDGED_SAMPLES)")
    if "no reference" in verdicts:
        if _canonical(result["ideals"]) not in REFERENCE:
            why = f"the paper has no numbers for {result['ideals']} (only {', '.join(REFERENCE)})"
        elif any(result.get(k, v) != v for k, v in REFERENCE_SETTINGS.items()):
            why = (f"the paper's numbers are for --order {REFERENCE_SETTINGS['order']} --elimination "
                   f"{REFERENCE_SETTINGS['elimination']}")
        else:
            why = "the paper has numbers only for " + ", ".join(DEFAULT_STRATEGIES.split(","))
        notes.append(f"no reference: {why}")
    return "; ".join(notes) or None


def plot(result: dict, costs, path: str) -> None:
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["strategies"])
    cells = [result["strategies"][k] for k in names]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    x = np.arange(len(names))
    ax1.bar(x, [c["mean"] for c in cells], yerr=[3 * c["stderr"] for c in cells], capsize=4,
            color="#4c72b0", label="mathrl mean (±3 s.e.)")
    refs = [(i, c["reference"]) for i, c in enumerate(cells) if "reference" in c]
    if refs:
        ax1.scatter([i for i, _ in refs], [r for _, r in refs], marker="_", s=600, color="#c44e52", zorder=3,
                    linewidths=2.5, label="reference [P]")
    ax1.set_xticks(x, names)
    ax1.set_ylabel("polynomial additions per ideal")
    ax1.set_title(f"{result['ideals']}: means over {result['samples']} ideals")
    ax1.legend(loc="lower right", fontsize=8, framealpha=0.95)
    ax2.violinplot([row for row in costs], showmedians=True)
    ax2.set_xticks(np.arange(1, len(names) + 1), names)
    ax2.set_yscale("log")
    ax2.set_title("distribution per ideal")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


CHECKPOINT_FORMAT = "mathrl-bench-buchberger-checkpoint/1"


def agent_fingerprints(strategies) -> dict:
    """sha256 of the weights file behind each ``agent:`` strategy (the file its loader reads), so that a
    checkpoint made with one agent file is never resumed with another (a retrained run, a newer shipped
    agent); None where no such file is found (the strategy's own loading then says why)."""
    import hashlib

    from mathrl.agents.alphazero.problem_agent import ProblemAgent, parse_spec
    from mathrl.agents.alphazero.problems import is_problem_run
    from mathrl.agents.ppo.agent import resolve_path

    out = {}
    for name in strategies:
        if not name.startswith("agent:"):
            continue
        body = parse_spec(name)[0]
        head, _, mode = body.rpartition(":")
        body = head if mode in ("greedy", "sample") else body
        path = Path(body)
        try:  # as mathrl.agents.strategies.buchberger_agent chooses between the two kinds of agent
            if body == "alphazero":
                file = ProblemAgent.file_of("pretrained:buchberger")
            elif is_problem_run(path) or (path.suffix == ".pt" and is_problem_run(path.parent)):
                file = ProblemAgent.file_of(path)
            else:
                file = resolve_path(body)
        except ValueError:
            file = None
        out[name] = hashlib.sha256(file.read_bytes()).hexdigest() if file is not None else None
    return out


def _load_checkpoint(path, config: dict) -> dict:
    """The finished chunks of an earlier run of the same benchmark, from its JSON checkpoint: one line
    (BenchError) for a damaged file or one made for other settings. JSON only: nothing read runs code."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BenchError(f"--checkpoint {path}: not a readable checkpoint ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
        raise BenchError(f"--checkpoint {path}: not a mathrl bench buchberger checkpoint")
    saved = data.get("config")
    if not isinstance(saved, dict):
        raise BenchError(f"--checkpoint {path}: it has no settings")
    for key, value in config.items():
        if saved.get(key) != value:
            raise BenchError(f"--checkpoint {path} was made with other settings ({key}: {saved.get(key)!r}, "
                             f"now {value!r}); use another file")
    chunk, chunks = data.get("chunk"), data.get("chunks")
    n = len(config["strategies"])
    if not (isinstance(chunk, int) and chunk >= 1 and isinstance(chunks, dict)):
        raise BenchError(f"--checkpoint {path}: damaged (chunk size or chunks)")
    done = {}
    for key, cell in chunks.items():
        try:
            s0 = int(key)
            costs, pairs = cell["costs"], cell["pairs"]
            width = min(chunk, config["samples"] - s0)
            ok = (s0 % chunk == 0 and 0 <= s0 < config["samples"] and len(costs) == n == len(pairs)
                  and all(len(row) == width and all(type(v) is int and v >= 0 for v in row)
                          for row in costs + pairs))
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise BenchError(f"--checkpoint {path}: damaged chunk {key!r}")
        done[s0] = (costs, pairs)
    seconds = data.get("seconds", 0.0)
    return {"chunk": chunk, "done": done, "seconds": float(seconds) if isinstance(seconds, (int, float)) else 0.0}


def run(ideal_dist: str, samples: int, seed: int, strategies, workers: int | None = None, progress=True,
        elimination="gebauermoeller", field=32003, order="grevlex", backend="auto",
        ray: str | None = None, checkpoint=None) -> tuple[dict, object]:
    """Evaluate ``strategies`` on ``samples`` ideals: (the result dict, the cost array (strategies, samples)).
    The chunks of ideals run on ``workers`` processes, or on Ray when ``ray`` is given (``auto``, ``local``
    or an address); the numbers are the same on every backend.

    ``checkpoint`` (a JSON file): every finished chunk is written to it at once (atomically), and a run
    with the same settings skips the chunks it holds, so a search benchmark of hours survives a kill or
    spans sessions and still gives the numbers of one uninterrupted run."""
    import numpy as np

    from mathrl.benchmarks.common import progress as progress_bar
    from mathrl.envs.buchberger.strategies import make_strategy

    for s in strategies:
        try:
            make_strategy(s)
        except ValueError as exc:
            raise BenchError(str(exc)) from exc
    try:
        ring, ideals, redraws = sample_ideals(ideal_dist, samples, seed, field=field, order=order,
                                              elimination=elimination)
    except ValueError as exc:
        raise BenchError(str(exc)) from exc
    workers = workers or os.cpu_count() or 1
    chunk = max(1, min(250, math.ceil(samples / (4 * workers))))
    done, before = {}, 0.0
    if checkpoint is not None:
        config = {"ideals": ideal_dist, "samples": samples, "seed": seed, "field": field, "order": order,
                  "elimination": elimination, "backend": backend, "strategies": list(strategies),
                  "agents": agent_fingerprints(strategies)}
        if Path(checkpoint).exists():
            saved = _load_checkpoint(checkpoint, config)
            chunk, done, before = saved["chunk"], saved["done"], saved["seconds"]
    starts = list(range(0, samples, chunk))
    costs = np.zeros((len(strategies), samples), dtype=np.int64)
    pairs = np.zeros_like(costs)
    for s0, (c, p) in done.items():
        costs[:, s0:s0 + chunk], pairs[:, s0:s0 + chunk] = c, p
    t0 = time.perf_counter()
    bar = progress_bar(samples, ideal_dist, quiet=not progress, unit="ideal",
                       initial=sum(min(chunk, samples - s0) for s0 in done))
    from mathrl.agents.executor import ExecutorError, make_executor

    todo = [s0 for s0 in starts if s0 not in done]
    calls = [(ring, ideals[s0:s0 + chunk], strategies, seed, s0, elimination, backend) for s0 in todo]

    def save() -> None:
        write_json(Path(checkpoint), {
            "format": CHECKPOINT_FORMAT, "config": config, "chunk": chunk,
            "seconds": before + time.perf_counter() - t0,
            "chunks": {str(s0): {"costs": costs[:, s0:s0 + chunk].tolist(), "pairs": pairs[:, s0:s0 + chunk].tolist()}
                       for s0 in sorted(done)}})

    try:
        executor = make_executor(workers, ray)
    except ExecutorError as exc:
        raise BenchError(str(exc)) from None
    with executor:  # any backend gives the same numbers: each chunk is a plain function of its ideals
        for i, (c, p) in executor.as_completed(evaluate_chunk, calls):
            s0 = todo[i]
            costs[:, s0:s0 + chunk], pairs[:, s0:s0 + chunk] = c, p
            done[s0] = None
            if checkpoint is not None:
                save()
            bar.update(c.shape[1])
        workers = executor.workers
    bar.close()
    seconds = before + time.perf_counter() - t0
    result = {"ideals": ideal_dist, "samples": samples, "seed": seed, "field": field, "order": order,
              "elimination": elimination, "backend": backend, "redraws": redraws, "seconds": seconds, "workers": workers,
              "executor": "ray" if ray else ("process" if workers > 1 else "inline"),
              "cpu_count": os.cpu_count(),
              "strategies": summarise(ideal_dist, strategies, costs,
                                      settings={"order": order, "elimination": elimination})}
    for name, row in zip(strategies, pairs):
        result["strategies"][name]["mean_pairs"] = float(row.mean())
    result["judgement"] = judgement(result)
    if checkpoint is not None:
        result["checkpoint"] = {"file": str(checkpoint), "chunks_resumed": len(starts) - len(todo),
                                "chunks": len(starts)}
    return result, costs


def format_table(result: dict) -> str:
    """The result as a table; the ``ok`` column is yes / NO only for a judged mean, and otherwise says why not
    (``too few samples``, ``no reference``), with the reason spelled out below the table."""
    w = max(12, 2 + max(len(name) for name in result["strategies"]))
    lines = [f"{result['ideals']}: {result['samples']} ideals (seed {result['seed']}), "
             f"{result['seconds']:.1f} s on {result['workers']} worker(s) of {result['cpu_count']} cores",
             f"{'strategy':<{w}}{'mean':>10}{'std':>10}{'s.e.':>9}{'median':>9}{'pairs':>9}{'ref':>9}{'z':>8}  ok"]
    for name, c in result["strategies"].items():
        ok = {"pass": "yes", "FAIL": "NO"}.get(c["verdict"], c["verdict"])
        ref = f" {c['reference']:>8.1f} {c['z']:>7.2f}" if "reference" in c else f" {'-':>8} {'-':>7}"
        lines.append(f"{name:<{w}} {c['mean']:>9.1f} {c['std']:>9.1f} {c['stderr']:>8.2f} {c['median']:>8.0f} "
                     f"{c['mean_pairs']:>8.1f}{ref}  {ok}")
    if result.get("judgement"):
        lines.append(result["judgement"])
    return "\n".join(lines)


MAX_SAMPLES = 10**6  # ideals per distribution: the paper used 10**4; 10**6 is already hours on 2 cores
MAX_WORKERS = 1024


def _check_counts(args) -> None:
    """--samples, --workers and --seed in range (one line, exit 2) before anything is sampled or written."""
    if not 1 <= args.samples <= MAX_SAMPLES:
        raise BenchError(f"--samples must be in 1..{MAX_SAMPLES:,}, got {args.samples:,}")
    if args.workers is not None and not 1 <= args.workers <= MAX_WORKERS:
        raise BenchError(f"--workers must be in 1..{MAX_WORKERS}, got {args.workers:,}")
    if args.seed < 0:
        raise BenchError(f"--seed must be >= 0, got {args.seed}")
    if getattr(args, "ray", None) is not None:
        from mathrl.agents.executor import parse_ray

        try:
            parse_ray(args.ray)
        except ValueError as exc:
            raise BenchError(str(exc)) from None


FIXED_SAMPLES = 20  # default samples of a fixed ideal (cyclic-n, katsura-n): the same ideal every time


def compare(args) -> int:
    if args.samples is None:
        fixed = isinstance(args.ideals, str) and args.ideals.split("-")[0].lower() in ("cyclic", "katsura")
        args.samples = FIXED_SAMPLES if fixed else 10_000
    _check_counts(args)
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    if not strategies:
        raise BenchError("--strategies is empty")
    if args.seed < 0:
        raise BenchError(f"--seed must be >= 0, got {args.seed}")
    check_in_reach(args.ideals, args.order, args.elimination, args.force)
    out = check_out_file(args.out, BenchError)
    check_out_file(args.plot, BenchError, "--plot")
    checkpoint = check_out_file(args.checkpoint, BenchError, "--checkpoint")
    if checkpoint is not None and checkpoint.resolve() in {Path(f).resolve() for f in (args.out, args.plot) if f}:
        raise BenchError("--checkpoint must be a file of its own (the result would overwrite it)")
    try:
        result, costs = run(args.ideals, args.samples, args.seed, strategies, workers=args.workers,
                            progress=not args.quiet, elimination=args.elimination, order=args.order,
                            backend=args.backend, ray=args.ray, checkpoint=checkpoint)
    except ValueError as exc:  # a strategy that cannot run on these ideals (an agent trained on other variables)
        raise BenchError(str(exc).splitlines()[0]) from exc
    if args.plot:
        plot(result, costs, args.plot)
    emit(result, format_table(result), args.json, out,
         summary={"ideals": args.ideals, "samples": args.samples,
                  **{f"mean_{summary_key(name)}": cell["mean"] for name, cell in result["strategies"].items()}})
    return 0


# ---- baselines: the paper's five distributions ---------------------------------------------
def baselines(args) -> int:
    """``compare`` on every reference row; JSON + PNG per distribution and a summary."""
    _check_counts(args)
    out = check_out_dir(args.out, BenchError)
    summary = {"samples": args.samples, "seed": args.seed, "cpu_count": os.cpu_count(), "cpu": cpu_model(),
               "distributions": {}}
    all_pass, judged = True, True
    from mathrl.agents.runlog import MetricsLog

    out.mkdir(parents=True, exist_ok=True)
    log = MetricsLog(out, "distribution_index", 0)  # one row per distribution, as each finishes
    with one_thread(force=True):  # the spawned workers inherit it: one thread per worker process
        for index, dist in enumerate(REFERENCE):
            result, costs = run(dist, args.samples, args.seed, DEFAULT_STRATEGIES.split(","), workers=args.workers,
                                progress=not args.quiet, ray=args.ray)
            write_json(out / f"{dist}.json", result)
            plot(result, costs, str(out / f"{dist}.png"))
            if not args.json:
                print(format_table(result), flush=True)
            summary["distributions"][dist] = result
            log.write({"distribution_index": index, "distribution": dist,
                       **{f"mean_{summary_key(k)}": c["mean"] for k, c in result["strategies"].items()}})
            all_pass &= all(c["verdict"] != "FAIL" for c in result["strategies"].values())
            judged &= all("pass" in c for c in result["strategies"].values())
    log.close()
    # a pass is claimed only when every mean was judged: with too few samples nothing failed, but nothing passed
    summary["judged"] = bool(judged)
    summary["all_pass"] = bool(all_pass and judged)
    if all_pass and not judged:
        text = (f"not judged: {args.samples} ideal(s) per distribution are too few for the 3-standard-error test "
                f"(at least {MIN_JUDGED_SAMPLES}), so no pass is claimed; files in {out}")
    else:
        text = f"all within 3 standard errors of the reference: {summary['all_pass']}; files in {out}"
    emit(summary, text, args.json, out / "summary.json",
         summary={"all_pass": summary["all_pass"], "judged": summary["judged"], "samples": args.samples,
                  "files": out})
    return 0 if summary["all_pass"] else 1


# ---- speed: random-policy episodes per second on one core ----------------------------------
def make_source(name: str):
    from mathrl.envs.buchberger.distributions import make_source as project_source

    try:
        return project_source(name), "mathrl.envs.buchberger.distributions"
    except ValueError as exc:
        raise BenchError(str(exc)) from exc


def run_pure(src, ideals, episodes, seed, k, max_pairs):
    """Pure core: sample (unless ideals given), build, and per step pair_features into a padded buffer."""
    import numpy as np

    from mathrl.envs.buchberger.state import BuchbergerState

    ring = src.ring
    rng = np.random.default_rng(seed)
    rnd = random.Random(seed).random
    buf = np.zeros((max_pairs, 2 * ring.n * k), np.int32)
    steps = 0
    total = 0.0
    for e in range(episodes):
        F = ideals[e] if ideals is not None else src.sample(rng)
        s = BuchbergerState.from_generators(F, ring)
        while True:
            feats = s.pair_features(k)
            n = len(feats)
            m = min(n, max_pairs)
            buf[:m] = feats[:m]
            buf[m:] = 0
            if not n:
                break
            total += s.apply(int(rnd() * n))
            steps += 1
    return steps, total


def run_fast(src, ideals, episodes, seed, k, max_pairs, combined=False):
    """Numba core: the same loop, features written in place by ``write_features`` (or, with
    ``combined``, step and features in one compiled call, ``apply_and_write``)."""
    import numpy as np

    from mathrl.envs.buchberger.binomial import BinomialState

    ring = src.ring
    rng = np.random.default_rng(seed)
    rnd = random.Random(seed).random
    buf = np.zeros((max_pairs, 2 * ring.n * k), np.int32)
    steps = 0
    total = 0.0
    from_generators = BinomialState.from_generators
    for e in range(episodes):
        F = ideals[e] if ideals is not None else src.sample(rng)
        s = from_generators(F, ring)
        n = s.write_features(buf, k)
        while n:
            if combined:
                total += s.apply_and_write(int(rnd() * n), buf, k)
                n = s.num_pairs
            else:
                total += s.apply(int(rnd() * n))
                n = s.write_features(buf, k)
            steps += 1
    return steps, total


def run_env(backend, episodes, seed, dist, k, max_pairs):
    """The Gymnasium env as a user makes it (wrappers included), random valid actions."""
    import gymnasium as gym  # mathrl (imported with this package) registers its ids when gymnasium loads

    env = gym.make("mathrl/Buchberger-v0", ideal_dist=dist, k=k, max_pairs=max_pairs, backend=backend)
    rnd = random.Random(seed).random
    steps = 0
    total = 0.0
    _, info = env.reset(seed=seed)
    for e in range(episodes):
        if e:
            _, info = env.reset()
        done = False
        while not done:
            _, r, term, trunc, info = env.step(int(rnd() * info["num_pairs"]))
            total += r
            steps += 1
            done = term or trunc
    return steps, total


def run_vector(mode, episodes, seed, dist, k, max_pairs, num_envs, copy=True):
    """``gymnasium.make_vec`` with B envs (``mode``: "vector_entry_point", the compiled batch, or "sync"),
    a uniformly random pair in every env each step. Steady state: after B episodes have ended (untimed:
    construction, first draws, all B episodes starting at once), the time until ``episodes`` more end.
    Returns (seconds, episodes ended, the vector env's class name)."""
    import gymnasium as gym
    import numpy as np

    kwargs = {"copy": copy} if mode == "vector_entry_point" else {"vector_kwargs": {"copy": copy}}
    env = gym.make_vec("mathrl/Buchberger-v0", num_envs=num_envs, vectorization_mode=mode, ideal_dist=dist, k=k,
                       max_pairs=max_pairs, **kwargs)
    rng = np.random.default_rng(seed)
    _, info = env.reset(seed=seed)
    ended, t0 = -num_envs, None
    while ended < episodes:
        if t0 is None and ended >= 0:
            t0, ended = time.perf_counter(), 0
        actions = (rng.random(num_envs) * np.minimum(info["num_pairs"], max_pairs)).astype(np.int64)
        _, r, term, trunc, info = env.step(actions)
        ended += int(np.count_nonzero(term | trunc))
    seconds = time.perf_counter() - t0
    name = type(env).__name__
    env.close()
    return seconds, ended, name


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def speed(args) -> int:
    for name in ("episodes", "pure_episodes", "repeats", "k", "max_pairs", "num_envs"):
        if getattr(args, name) < 1:
            raise BenchError(f"--{name.replace('_', '-')} must be >= 1")
    if args.num_envs > 4096:
        raise BenchError(f"--num-envs must be at most 4096, got {args.num_envs}")
    if args.sympy_ideals < 0:
        raise BenchError("--sympy-ideals must be >= 0")
    if args.seed < 0:
        raise BenchError(f"--seed must be >= 0, got {args.seed}")
    if args.max_pairs * args.k > 2**16:
        raise BenchError(f"--max-pairs x --k = {args.max_pairs * args.k} is beyond any ideal this benchmark draws "
                         "(at most 65,536)")
    path = check_out_file(args.out, BenchError)
    # the limits must precede the first import of numpy and numba (hence nothing heavy at module level)
    with one_thread(force=True) as threads_in_time, one_cpu(not args.no_pin) as pinned:
        check_in_reach(args.ideals, force=args.force)  # speed plays the default order and elimination
        out = measure_speed(args, pinned)
    if out is None:
        return 1
    out["threads_limited_before_import"] = threads_in_time
    emit(out, format_speed(out), args.json, path)
    return 0


def measure_speed(args, pinned) -> dict | None:
    import numpy as np

    from mathrl.envs.buchberger.binomial import BinomialState
    from mathrl.compiled import numba_available

    src, sampler = make_source(args.ideals)
    ring = src.ring
    out = {"dist": args.ideals, "sampler": sampler, "cpu_count": os.cpu_count(), "cpu": cpu_model(),
           "pinned_cpu": pinned, "python": platform.python_version(), "numpy": np.__version__,
           "k": args.k, "max_pairs": args.max_pairs, "policy": "uniform random pair (random.Random)",
           "repeats": args.repeats}
    if not numba_available():
        print("numba is not installed: only the pure core can be measured", file=sys.stderr)
        return None
    import numba

    out["numba"] = numba.__version__

    # compile (or load from the on-disk cache) before timing
    warm = src.sample(np.random.default_rng(12345))
    t0 = time.perf_counter()
    st = BinomialState.from_generators(warm, ring)
    buf = np.zeros((args.max_pairs, 2 * ring.n * args.k), np.int32)
    while st.write_features(buf, args.k):
        st.apply(0)
    out["first_episode_s"] = time.perf_counter() - t0  # compile time on a cold cache, load time on a warm one

    # the sampler alone, and a fixed list of ideals for the core-only figure
    rng = np.random.default_rng(args.seed + 1)
    dt, ideals = timed(lambda: [src.sample(rng) for _ in range(args.episodes)])
    out["sampler_us_per_ideal"] = 1e6 * dt / args.episodes

    res = {"env_auto": [], "env_python": [], "pure": [], "fast": [], "fast_combined": [], "fast_core_only": [],
           "vector": [], "vector_nocopy": [], "sync_vector": []}
    B = args.num_envs
    steps = {}
    agree = True
    bar = progress(args.repeats, f"{args.ideals} speed", args.quiet, unit="repeat")
    for r in range(args.repeats):
        seed = args.seed + 1000 * r
        dt, (n_steps, _) = timed(run_env, "auto", args.episodes, seed, args.ideals, args.k, args.max_pairs)
        res["env_auto"].append(args.episodes / dt)
        steps["env"] = n_steps / args.episodes
        dt, _ = timed(run_env, "python", args.pure_episodes, seed, args.ideals, args.k, args.max_pairs)
        res["env_python"].append(args.pure_episodes / dt)
        dt, (n_steps, tot) = timed(run_pure, src, None, args.pure_episodes, seed, args.k, args.max_pairs)
        res["pure"].append(args.pure_episodes / dt)
        steps["pure"] = n_steps / args.pure_episodes
        dt2, (n_steps2, tot2) = timed(run_fast, src, None, args.pure_episodes, seed, args.k, args.max_pairs)
        agree &= (n_steps2, tot2) == (n_steps, tot)  # same ideals and actions: same costs
        dt, (n_steps, _) = timed(run_fast, src, None, args.episodes, seed, args.k, args.max_pairs)
        res["fast"].append(args.episodes / dt)
        steps["fast"] = n_steps / args.episodes
        dt, _ = timed(run_fast, src, None, args.episodes, seed, args.k, args.max_pairs, True)
        res["fast_combined"].append(args.episodes / dt)
        dt, (n_steps, _) = timed(run_fast, src, ideals, args.episodes, seed, args.k, args.max_pairs)
        res["fast_core_only"].append(args.episodes / dt)
        out["us_per_step_fast_core_only"] = 1e6 * dt / n_steps
        for name, mode, copy, eps in (("vector", "vector_entry_point", True, 5 * args.episodes),
                                      ("vector_nocopy", "vector_entry_point", False, 5 * args.episodes),
                                      ("sync_vector", "sync", True, args.pure_episodes)):
            dt, ended, cls = run_vector(mode, eps, seed, args.ideals, args.k, args.max_pairs, B, copy)
            res[name].append(ended / dt)
            out[f"{name}_class"] = cls
        bar.update()
    bar.close()
    for name, vals in res.items():
        out[f"{name}_episodes_per_s"] = statistics.median(vals)
        out[f"{name}_all"] = [round(v, 1) for v in vals]
    out["steps_per_episode"] = steps["fast"]
    out["pure_fast_same_costs"] = bool(agree)
    out["speedup"] = out["fast_episodes_per_s"] / out["pure_episodes_per_s"]
    out["num_envs"] = B
    out["vector_over_sync"] = out["vector_episodes_per_s"] / out["sync_vector_episodes_per_s"]
    out["vector_over_env"] = out["vector_episodes_per_s"] / out["env_auto_episodes_per_s"]

    # clone cost mid-episode
    st = BinomialState.from_generators(ideals[0], ring)
    for _ in range(min(5, len(st.pairs))):
        st.apply(0)
    reps = 20000
    clone = st.clone
    t = time.perf_counter()
    for _ in range(reps):
        clone()
    out["clone_us"] = 1e6 * (time.perf_counter() - t) / reps

    if args.sympy_ideals > 0:
        import sympy

        gens = sympy.symbols(ring.names)
        exprs = [[f.to_sympy() for f in F] for F in ideals[:args.sympy_ideals]]
        t = time.perf_counter()
        for E in exprs:
            sympy.groebner(E, *gens, order=ring.order, modulus=ring.p)
        out["sympy_groebner_ideals_per_s"] = len(exprs) / (time.perf_counter() - t)
    return out


def format_speed(out: dict) -> str:
    lines = [
        f"{out['dist']}: random policy, k={out['k']}, max_pairs={out['max_pairs']}, sampler={out['sampler']}",
        f"CPU: {out['cpu']} (os.cpu_count() = {out['cpu_count']}, pinned to cpu {out['pinned_cpu']})",
        f"steps/episode: {out['steps_per_episode']:.1f}; sampler {out['sampler_us_per_ideal']:.1f} us/ideal",
        f"ENV (gym.make, numba): {out['env_auto_episodes_per_s']:8.0f} episodes/s  {out['env_auto_all']}",
        f"env, pure Python:      {out['env_python_episodes_per_s']:8.0f} episodes/s  {out['env_python_all']}",
        f"pure core:             {out['pure_episodes_per_s']:8.0f} episodes/s  {out['pure_all']}",
        f"fast core:             {out['fast_episodes_per_s']:8.0f} episodes/s  {out['fast_all']}",
        f"fast, apply_and_write: {out['fast_combined_episodes_per_s']:8.0f} episodes/s  {out['fast_combined_all']}",
        f"fast core, no sampler: {out['fast_core_only_episodes_per_s']:8.0f} episodes/s  "
        f"({out['us_per_step_fast_core_only']:.2f} us/step)",
        f"VECTOR (make_vec, B={out['num_envs']}): {out['vector_episodes_per_s']:8.0f} episodes/s  {out['vector_all']}"
        f"  ({out['vector_class']})",
        f"vector, copy=False:    {out['vector_nocopy_episodes_per_s']:8.0f} episodes/s  {out['vector_nocopy_all']}",
        f"SyncVectorEnv, B={out['num_envs']}: {out['sync_vector_episodes_per_s']:8.0f} episodes/s  "
        f"{out['sync_vector_all']}",
        f"vector / sync {out['vector_over_sync']:.1f}x; vector / single env {out['vector_over_env']:.1f}x",
        f"speedup {out['speedup']:.1f}x; same costs on the same ideals and actions: {out['pure_fast_same_costs']}",
        f"clone {out['clone_us']:.2f} us; first episode (compile or cache load) {out['first_episode_s']:.2f} s"]
    if "sympy_groebner_ideals_per_s" in out:
        lines.append(f"sympy.groebner reference: {out['sympy_groebner_ideals_per_s']:.1f} ideals/s")
    if not out["threads_limited_before_import"]:
        lines.append("note: numpy was imported before the thread limits were set (the process is still pinned)")
    return "\n".join(lines)


# ---- command line --------------------------------------------------------------------------
def build_parser(mode: str = "compare") -> argparse.ArgumentParser:
    if mode == "compare":
        p = argparse.ArgumentParser(
            prog="mathrl bench buchberger",
            description="evaluate S-pair selection strategies on the same sampled ideals",
            epilog="other modes: mathrl bench buchberger baselines --help (the paper's five distributions), "
                   "mathrl bench buchberger speed --help (random-policy episodes/s on one core)")
        p.add_argument("--ideals", default="3-20-10-weighted",
                       help="ideal distribution: n-d-s-<degs> (e.g. 3-20-10-weighted), cyclic-N or katsura-N")
        p.add_argument("--samples", type=int, default=None,
                       help="ideals (default 10000 from a random family; 20 of a fixed ideal such as cyclic-n, "
                            "where only the random strategy varies between samples)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--strategies", default=DEFAULT_STRATEGIES,
                       help=f"comma-separated strategy names (default {DEFAULT_STRATEGIES}); agent:PATH is a "
                            "trained PPO agent (greedy; agent:PATH:sample samples its policy) or a single-player "
                            "AlphaZero run (its policy; agent:RUN:sims=N searches N simulations per pair), "
                            "agent:pretrained the shipped PPO agent, agent:alphazero[:sims=N] the shipped AlphaZero "
                            "agent")
        p.add_argument("--elimination", default="gebauermoeller", choices=["gebauermoeller", "lcm", "none"])
        p.add_argument("--order", default="grevlex", choices=["grevlex", "grlex", "lex"])
        p.add_argument("--backend", default="auto", choices=["auto", "python", "numba"],
                       help="core backend (auto: compiled binomial path when it applies; counts are identical)")
        p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
        p.add_argument("--ray", default=None, metavar="auto|local|HOST:PORT",
                       help="run the chunks as Ray tasks: a local Ray, this machine's cluster, or a head's address "
                            "(pip install 'mathrl[ray]'); the numbers do not depend on it")
        p.add_argument("--plot", default=None, metavar="FILE.png", help="save a chart of the distributions")
        p.add_argument("--checkpoint", default=None, metavar="FILE.json",
                       help="save every finished chunk of ideals to this file, and skip the chunks it already "
                            "holds: a long run (agents with search) resumes after a kill with the same numbers; "
                            "the file must come from the same settings, strategies and agent files")
        p.add_argument("--force", action="store_true",
                       help="run ideals known to be out of reach: cyclic-n / katsura-n above n = "
                            f"{IN_REACH['cyclic', 'grevlex', 'gebauermoeller']} / "
                            f"{IN_REACH['katsura', 'grevlex', 'gebauermoeller']} with the default order and "
                            "elimination (smaller for others), random families with n, d or s above "
                            f"{MAX_RANDOM['n']}, {MAX_RANDOM['d']:,} or {MAX_RANDOM['s']:,}")
        add_output_options(p)
    elif mode == "baselines":
        p = argparse.ArgumentParser(
            prog="mathrl bench buchberger baselines",
            description="first, degree, normal, sugar and random on the paper's five distributions "
                        "(all cores; exit code 1 if a mean is more than 3 standard errors off, or if the samples "
                        f"are too few to judge: fewer than {MIN_JUDGED_SAMPLES})")
        p.add_argument("--samples", type=int, default=10_000, help="ideals per distribution")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
        p.add_argument("--ray", default=None, metavar="auto|local|HOST:PORT",
                       help="run the chunks as Ray tasks (see compare --help)")
        add_output_options(p, "runs/bench_buchberger",
                           "folder for DIST.json, DIST.png and summary.json (default runs/bench_buchberger)")
    else:
        p = argparse.ArgumentParser(
            prog="mathrl bench buchberger speed",
            description="random-policy episodes/s on one core: the env as gym.make gives it, the pure and the "
                        "numba cores, and sympy.groebner on the same ideals")
        p.add_argument("--ideals", "--dist", dest="ideals", default="3-20-10-weighted", help="ideal distribution")
        p.add_argument("--episodes", type=int, default=2000, help="episodes per repeat for the fast core")
        p.add_argument("--pure-episodes", type=int, default=300, help="episodes per repeat for the pure core")
        p.add_argument("--repeats", type=int, default=5)
        p.add_argument("--k", type=int, default=2)
        p.add_argument("--max-pairs", type=int, default=256)
        p.add_argument("--num-envs", type=int, default=256,
                       help="B for the vector env figures (gymnasium.make_vec, and SyncVectorEnv as its reference)")
        p.add_argument("--sympy-ideals", type=int, default=20,
                       help="ideals for the sympy.groebner reference (0: skip)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
        p.add_argument("--force", action="store_true", help="run ideals known to be out of reach (see the "
                                                            "--force of mathrl bench buchberger)")
        add_output_options(p)
    return p


def main(argv: list[str] | None = None) -> int:
    return run_mode(argv, {"compare": compare, "baselines": baselines, "speed": speed}, build_parser)
