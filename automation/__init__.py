"""Everything that touches LinkedIn: the browser (`access`, `browser`), page objects and the client.

This package knows nothing of Telegram, the database or the sandbox; `bot.services` call
`LinkedInClient` and receive the plain data types of `automation.types`. Its place among the
layers, and the rules a test holds it to: docs/architecture.md.
"""
