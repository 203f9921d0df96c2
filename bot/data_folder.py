"""The data folder is private: the folder 0700, the session key and failure traces in it 0600.

Each start tightens what an older version, a restored backup or a copy left looser. The
database files are made private where the engine opens them (`bot.db.session`), wherever
`DATABASE_URL` puts them.
"""

from __future__ import annotations

from automation.private_files import PRIVATE_FILE, PRIVATE_FOLDER, private_folder, tighten
from bot.settings import Settings

KEY_FILE_NAME = "session.key"  # the session key's file (bot.services.secrets), when not in SESSION_KEY


def secure_data_folder(settings: Settings) -> None:
    """Create the data folder private, or tighten it and the key and traces it holds."""
    folder = private_folder(settings.data_dir)
    tighten(folder / KEY_FILE_NAME, PRIVATE_FILE)
    traces = settings.automation_config().trace_dir
    if traces is not None and traces.is_dir():
        tighten(traces, PRIVATE_FOLDER)
        for trace in traces.iterdir():
            if trace.is_file():
                tighten(trace, PRIVATE_FILE)
