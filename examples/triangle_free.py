"""A conjecture to refute: "every triangle-free graph on n vertices has at most n^2/4 - 3 edges" (false:
the complete bipartite graph K_{n/2,n/2} has n^2/4 edges and no triangle, Mantel 1907).

The score is > 0 exactly on a counterexample: a triangle-free graph with more edges than claimed.
Graphs with a triangle score below every triangle-free one, so the search is steered towards them.
"""

import networkx as nx


def edges_beyond_claim(g: nx.Graph) -> float:
    n = g.number_of_nodes()
    triangles = sum(nx.triangles(g).values()) // 3
    if triangles:
        return -float(triangles) - n * n  # never a counterexample; fewer triangles are better
    return g.number_of_edges() - (n * n / 4 - 3)
