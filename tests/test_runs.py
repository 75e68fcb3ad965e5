"""Run-folder primitives: atomic files, logs cut back to a checkpoint, manifests, signals, orphan workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from mathrl.agents.files import FileFormatError
from mathrl.agents.runs import (append_jsonl, count_jsonl_rows, interrupts_as_keyboard, read_jsonl,
                                truncate_jsonl, verify_manifest, write_json, write_manifest)


def test_write_json_is_atomic_and_refuses_nan(tmp_path):
    path = tmp_path / "r.json"
    write_json(path, {"a": 1})
    with pytest.raises(ValueError):
        write_json(path, {"a": float("nan")})
    assert json.loads(path.read_text()) == {"a": 1}  # the failed write left the old file whole
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # and no temporary behind


def test_a_torn_last_row_is_skipped_and_truncation_drops_rows_after_the_checkpoint(tmp_path):
    path = tmp_path / "log.jsonl"
    with open(path, "a") as f:
        for i in range(5):
            append_jsonl(f, {"i": i})
    with open(path, "ab") as f:
        f.write(b'{"i": 5, "tor')  # a kill mid-write
    with pytest.warns(UserWarning, match="torn"):
        assert [r["i"] for r in read_jsonl(path)] == [0, 1, 2, 3, 4]
    assert count_jsonl_rows(path) == 5
    truncate_jsonl(path, 3)  # the checkpoint had seen 3 rows
    assert [r["i"] for r in read_jsonl(path)] == [0, 1, 2]
    with pytest.raises(FileFormatError, match="checkpoint recorded 7"):
        truncate_jsonl(path, 7)


def test_a_malformed_middle_row_is_an_error_not_a_kill(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"i": 0}\nnot json\n{"i": 2}\n')
    with pytest.raises(FileFormatError, match="line 2"):
        read_jsonl(path)


def test_manifest_catches_a_part_from_another_checkpoint(tmp_path):
    (tmp_path / "checkpoint.pt").write_bytes(b"iteration 1")
    (tmp_path / "buffer.npz").write_bytes(b"buffer 1")
    write_manifest(tmp_path, ["checkpoint.pt", "buffer.npz"], iteration=1)
    assert verify_manifest(tmp_path)["iteration"] == 1
    (tmp_path / "buffer.npz").write_bytes(b"buffer 3")  # killed after writing the next buffer only
    with pytest.raises(FileFormatError, match="buffer.npz does not match"):
        verify_manifest(tmp_path)
    (tmp_path / "buffer.npz").unlink()
    with pytest.raises(FileFormatError, match="missing"):
        verify_manifest(tmp_path)


def test_sigterm_is_handled_like_ctrl_c():
    before = signal.getsignal(signal.SIGTERM)  # the default, or a library's (Ray installs one)
    with pytest.raises(KeyboardInterrupt):
        with interrupts_as_keyboard():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
    assert signal.getsignal(signal.SIGTERM) is before  # restored


def test_an_interrupt_a_library_turned_into_another_error_is_still_an_interrupt():
    """numpy reports a KeyboardInterrupt raised inside its structured-array comparison as a TypeError (seen when
    SIGTERM reached ``mathrl search`` inside ``np.unique``): after a signal, any error leaving the block is the
    interrupt; without one, an error is left alone."""
    def masked_by_a_library(sig, error):
        try:
            os.kill(os.getpid(), sig)
            time.sleep(5)
        except KeyboardInterrupt:
            raise error from None

    with pytest.raises(KeyboardInterrupt, match="SIGTERM") as caught:
        with interrupts_as_keyboard():
            masked_by_a_library(signal.SIGTERM, TypeError("Cannot compare structured arrays unless …"))
    assert isinstance(caught.value.__cause__, TypeError)
    with pytest.raises(TypeError):  # no signal this time: a stale one from the block above does not count
        with interrupts_as_keyboard():
            raise TypeError("a real bug")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's own Ctrl-C handler
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGINT"):  # Ctrl-C is remembered the same way
            with interrupts_as_keyboard():
                masked_by_a_library(signal.SIGINT, ValueError("masked"))
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_worker_dies_with_its_killed_parent(tmp_path):
    """A parent SIGKILLed while its worker computes: the worker is gone within a few seconds."""
    pid_file = tmp_path / "worker.pid"
    script = tmp_path / "parent.py"
    script.write_text(f"""
import multiprocessing as mp, os, time
from mathrl.agents.runs import die_with_parent

def work(path):
    die_with_parent(0.2)
    open(path, "w").write(str(os.getpid()))
    while True:
        sum(range(10000))

if __name__ == "__main__":
    p = mp.get_context("spawn").Process(target=work, args=({str(pid_file)!r},))
    p.start()
    time.sleep(60)
""")
    parent = subprocess.Popen([sys.executable, str(script)])
    deadline = time.time() + 60
    while not pid_file.exists() or not pid_file.read_text():
        if time.time() > deadline:
            parent.kill()
            pytest.fail("the worker never started")
        time.sleep(0.1)
    worker = int(pid_file.read_text())
    parent.kill()
    parent.wait()
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(worker, signal.SIGKILL)
    pytest.fail("the worker outlived its killed parent by 10 s")


def test_a_worker_whose_owner_died_while_it_started_exits_at_once(tmp_path):
    """The owner killed before the worker's initializer ran (importing torch takes seconds): the worker,
    re-parented before it could record its parent, still exits instead of living on as an orphan."""
    script = tmp_path / "owner.py"
    pid_file, go = tmp_path / "worker.pid", tmp_path / "go"
    script.write_text(f"""
import multiprocessing as mp, os, sys, time

def work(owner, pid_path, go_path):
    open(pid_path, "w").write(str(os.getpid()))
    while not os.path.exists(go_path):  # "starting up" until the owner is dead
        time.sleep(0.05)
    from mathrl.agents.runs import die_with_parent
    die_with_parent(0.2, owner)
    open(pid_path + ".survived", "w").write("yes")
    while True:
        time.sleep(0.1)

if __name__ == "__main__":
    p = mp.get_context("spawn").Process(target=work, args=(os.getpid(), {str(pid_file)!r}, {str(go)!r}))
    p.start()
    time.sleep(60)
""")
    owner = subprocess.Popen([sys.executable, str(script)])
    deadline = time.time() + 60
    while not pid_file.exists() or not pid_file.read_text():
        if time.time() > deadline:
            owner.kill()
            pytest.fail("the worker never started")
        time.sleep(0.1)
    worker = int(pid_file.read_text())
    owner.kill()
    owner.wait()
    go.write_text("")
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            assert not (tmp_path / "worker.pid.survived").exists()
            return
        time.sleep(0.1)
    os.kill(worker, signal.SIGKILL)
    pytest.fail("a worker started after its owner's death outlived it by 10 s")
