"""The bot tightens a data folder it finds readable by others before it opens anything in it."""

from __future__ import annotations

import stat

from bot.services.secrets import KEY_FILE_NAME
from bot.settings import Settings
from tests.fixtures.botapi import running_bot


async def test_the_bot_makes_its_data_folder_private_at_start(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True)
    settings.data_dir.chmod(0o755)

    async with running_bot(settings):
        folder = stat.S_IMODE(settings.data_dir.stat().st_mode)
        key = stat.S_IMODE((settings.data_dir / KEY_FILE_NAME).stat().st_mode)

    assert (folder, key) == (0o700, 0o600)
