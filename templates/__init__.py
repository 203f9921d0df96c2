"""Every user-visible text of InviteSweep, as Jinja templates.

This folder is installed as the package `invitesweep_templates` (see pyproject.toml), so the
bot, the CLI and the sandbox load their texts through the import system, wherever they run from.
"""
