"""Telegram adapters, one module per feature; `bot.app` registers their handler objects in order."""
