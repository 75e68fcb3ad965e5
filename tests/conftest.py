"""Test-session set-up: a throwaway signing key, so the suite never writes into the user's home."""

from __future__ import annotations

import os
import shutil
import tempfile

_KEY_DIR: str | None = None  # the folder this session made (and removes at its end)


def pytest_configure(config):
    # PPO signs its environment snapshots with this user's key (mathrl.agents.files.local_key); tests
    # and the subprocesses they start (xdist workers included) use a key of their own
    global _KEY_DIR
    if "MATHRL_KEY_FILE" not in os.environ:
        _KEY_DIR = tempfile.mkdtemp(prefix="mathrl-test-key-")
        os.environ["MATHRL_KEY_FILE"] = os.path.join(_KEY_DIR, "run-key")


def pytest_unconfigure(config):
    global _KEY_DIR
    if _KEY_DIR is not None:
        shutil.rmtree(_KEY_DIR, ignore_errors=True)
        os.environ.pop("MATHRL_KEY_FILE", None)
        _KEY_DIR = None
