"""CLI command modules, one per area; each exposes `COMMANDS` for `bot.cli` to register."""
