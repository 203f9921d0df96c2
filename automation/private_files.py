"""Files only their owner may read: folders 0700, files 0600.

The data folder holds names, notes, page snapshots (failure traces) and the key to the stored
LinkedIn session. What we create is created private (explicit modes, never a process-wide
umask that would also reach the user's own exports); what we find looser is tightened. Modes
are only ever taken away, never added: a file someone made stricter stays so.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def tighten(path: Path, mode: int) -> None:
    """Take away every permission `mode` does not grant; a missing path is left alone."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if current & ~mode:
        os.chmod(path, current & mode)


def private_folder(path: Path) -> Path:
    """`path` as a folder only its owner can enter: created so if missing, else tightened.

    Missing parents are created as any folder would be: only `path` itself holds our data.
    """
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    tighten(path, PRIVATE_FOLDER)
    return path


def private_file(path: Path) -> Path:
    """`path` as a file only its owner can read: created empty and 0600 if missing, else tightened."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        tighten(path, PRIVATE_FILE)
    return path
