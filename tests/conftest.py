"""Test-session set-up: a throwaway signing key, so the suite never writes into the user's home."""

from __future__ import annotations

import os
import tempfile


def pytest_configure(config):
    # PPO signs its environment snapshots with this user's key (mathrl.agents.files.local_key); tests
    # and the subprocesses they start use a key of their own
    os.environ.setdefault("MATHRL_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="mathrl-test-key-"), "run-key"))
