"""A CEM search from Python, to copy and edit.

Builds a score (a built-in one, or your own function), picks a configuration,
and runs the search with checkpoints in OUT. Run: python scripts/train_cem.py
"""

import networkx as nx
import numpy as np

from mathrl.agents.cem import Search, preset
from mathrl.scores import make, resolve

OUT = "runs/train_cem_example"


def my_score(graph: nx.Graph) -> float:
    """Your conjecture here: > 0 must mean a counterexample.

    Example: "every connected graph on n vertices has spectral radius >= average degree + 0.5" (false:
    regular graphs have spectral radius = average degree).
    """
    if not nx.is_connected(graph):
        return -1e6
    lam = np.linalg.eigvalsh(nx.to_numpy_array(graph))[-1]
    return (2 * graph.number_of_edges() / graph.number_of_nodes() + 0.5) - lam


def main() -> None:
    use_builtin = False
    score = make("wagner-2.1", n=19) if use_builtin else resolve(my_score, n=10)
    config = preset("default").but(n_sessions=500)   # any CEMConfig field can be changed here
    search = Search(score, OUT, config=config, seed=0)
    result = search.run(time_limit=300)
    print(f"{result.status}: best score {result.best_score:+.6f} after {result.iterations} iterations, "
          f"{result.seconds:.1f} s; record in {result.record_path}")


if __name__ == "__main__":
    main()
