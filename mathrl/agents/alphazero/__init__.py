"""AlphaZero: PUCT search batched across trees, a residual value-policy network, self-play training.

* :mod:`.mcts` — the search, on any pure state with one or two players;
* :mod:`.network`, :mod:`.evaluator` — the ResNet and its batched leaf evaluation;
* :mod:`.selfplay` — ``play_games(weights, config, seed, n)``, a plain function for process pools;
* :mod:`.train` — the loop with replay buffer, checkpoints and resume;
* :mod:`.agent` — a trained player (``load_agent``), :mod:`.arena` — matches and Elo.
"""

from mathrl.agents.alphazero.config import AlphaZeroConfig, SearchConfig, default_config

__all__ = ["AlphaZeroConfig", "SearchConfig", "default_config"]
