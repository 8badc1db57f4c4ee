"""A copy of the repository as a fresh clone has it: the files git tracks (and new files not
yet committed), without `.env`, `instance/` or anything else a developer's runs left behind."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def fresh_clone(destination: Path) -> Path:
    """Copy the project's files into `destination` (kept modification times: `make` finds
    nothing newer than what it built) and return it."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listing.returncode != 0:
        pytest.skip("not a git checkout: " + listing.stderr.decode(errors="replace").strip())
    for name in filter(None, listing.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the worktree is not in the clone
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def share_virtualenv(clone: Path) -> None:
    """Give the clone the project's `.venv` without letting `make` reinstall it from the clone.

    Every entry of `.venv` is linked, except the stamps `make install` leaves: those are the
    clone's own, newer than its `pyproject.toml`, so `make` never runs pip on the shared venv
    (which would point its editable install at the clone)."""
    venv = ROOT / ".venv"
    if not (venv / "bin" / "flask").exists():
        pytest.skip("no .venv in the project: run `make install-test` first")
    (clone / ".venv").mkdir()
    for entry in venv.iterdir():
        if not entry.name.startswith(".installed"):
            (clone / ".venv" / entry.name).symlink_to(entry)
    for stamp in (".installed", ".installed-test"):
        (clone / ".venv" / stamp).touch()
