"""Gymnasium's check_env with every warning an error: for envs the registry-wide conformance test cannot reach."""

from __future__ import annotations

import warnings

from gymnasium.utils.env_checker import check_env


def strict_check(env) -> None:
    """``check_env`` on the unwrapped env, failing on any warning (passive checker, spaces, seeding, and the
    render check, which rebuilds the env in each of its render modes; an env built without ``gymnasium.make``
    has no spec to rebuild from, so it skips that check)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = getattr(env, "unwrapped", env)
        check_env(env, skip_render_check=env.spec is None)
