"""House rules for what the repository tracks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_TRACKED_BYTES = 1024 * 1024


def _tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing tracked to check")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
    )
    names = [name for name in listed.stdout.decode("utf-8").split("\0") if name]
    return [ROOT / name for name in names]


def test_no_tracked_file_is_over_one_mebibyte() -> None:
    files = _tracked_files()
    assert files, "git ls-files listed nothing"
    too_big = {
        str(path.relative_to(ROOT)): path.stat().st_size
        for path in files
        if path.is_file() and path.stat().st_size > MAX_TRACKED_BYTES
    }
    assert not too_big, f"tracked files over 1 MiB (gzip or prune them): {too_big}"
