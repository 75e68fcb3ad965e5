"""Gymnasium's check_env with every warning an error: for envs the registry-wide conformance test cannot reach."""

from __future__ import annotations

import warnings

from gymnasium.utils.env_checker import check_env


def strict_check(env) -> None:
    """``check_env`` on the unwrapped env, failing on any warning (passive checker, spaces, seeding)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(getattr(env, "unwrapped", env), skip_render_check=True)
