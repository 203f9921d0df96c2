"""Telegram adapters, one module per feature; `bot.app` registers their handler objects in order.

Each is parse → service → view → delivery, and none imports `bot.jobs` (docs/architecture.md)."""
