"""CLI command modules, one feature each; `bot.cli.COMMANDS` names the command each one holds."""
