"""Registers every mathrl environment id with Gymnasium (Gymnasium 1.x has no plug-in entry points).

Registration needs gymnasium, but importing ``mathrl`` must not load it (the
pure cores are meant to be usable without any RL stack). So ``import mathrl``
calls :func:`register_when_gymnasium_loads`: if gymnasium is already imported
the ids are registered at once; otherwise a one-shot import hook registers them
right after gymnasium's own ``__init__`` has run, whoever imports it. Either
way ``gymnasium.make("mathrl/…")`` sees the ids.

Ids with a ``vector_entry_point`` get a natively batched env from
``gymnasium.make_vec(id, num_envs=B)``; ``vectorization_mode="sync"`` still works.
"""

from __future__ import annotations

import importlib.abc
import sys

ENV_SPECS = {
    "mathrl/GraphConstruction-v0": {
        "entry_point": "mathrl.envs.graphs.env:GraphConstructionEnv",
        "vector_entry_point": "mathrl.envs.graphs.vector_env:GraphConstructionVectorEnv",
    },
    "mathrl/MatrixConstruction-v0": {
        "entry_point": "mathrl.envs.graphs.env:MatrixConstructionEnv",
        "vector_entry_point": "mathrl.envs.graphs.vector_env:MatrixConstructionVectorEnv",
    },
    "mathrl/Buchberger-v0": {
        "entry_point": "mathrl.envs.buchberger.env:BuchbergerEnv",
        "vector_entry_point": "mathrl.envs.buchberger.vector_env:make_vector_env",
    },
    "mathrl/SemigroupProof-v0": {"entry_point": "mathrl.envs.semigroups.env:SemigroupProofEnv"},
    "mathrl/TicTacToe-v0": {"entry_point": "mathrl.envs.games.env:TicTacToeEnv"},
    "mathrl/ConnectFour-v0": {"entry_point": "mathrl.envs.games.env:ConnectFourEnv"},
    "mathrl/Othello-v0": {"entry_point": "mathrl.envs.games.env:OthelloEnv"},
    "mathrl/Hex-v0": {"entry_point": "mathrl.envs.games.env:HexEnv"},
}


def register_all() -> None:
    """Register every id in :data:`ENV_SPECS` (idempotent). Imports gymnasium."""
    import gymnasium as gym

    for env_id, spec in ENV_SPECS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, **spec)


class _RegisterAfterGymnasium(importlib.abc.MetaPathFinder):
    """Finds ``gymnasium`` the way the other finders do, and runs :func:`register_all` once it has loaded.

    It asks the finders after it (whatever they are: the path finder, an editable install's
    finder, a zip importer), wraps the loader of the spec they return, and leaves the list of
    finders alone while Python walks it; it removes itself only once gymnasium has really
    loaded, so a mere ``importlib.util.find_spec("gymnasium")`` probe does not disarm it.
    """

    _busy = False

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "gymnasium" or self._busy:
            return None
        self._busy = True
        try:
            spec = None
            for finder in [f for f in sys.meta_path if f is not self]:
                find = getattr(finder, "find_spec", None)
                spec = find(fullname, path, target) if find is not None else None
                if spec is not None:
                    break
        finally:
            self._busy = False
        if spec is None or spec.loader is None or isinstance(spec.loader, _RegisteringLoader):
            return spec
        spec.loader = _RegisteringLoader(spec.loader)
        return spec


class _RegisteringLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _remove_hook()
        register_all()

    def __getattr__(self, name):  # get_resource_reader, is_package, … as the wrapped loader has them
        return getattr(self._loader, name)


def _remove_hook() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _RegisterAfterGymnasium)]


def register_when_gymnasium_loads() -> None:
    """Register the ids now if gymnasium is loaded, else as soon as it is."""
    if "gymnasium" in sys.modules:
        register_all()
    elif not any(isinstance(f, _RegisterAfterGymnasium) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterAfterGymnasium())
