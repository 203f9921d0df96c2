"""Everything that touches LinkedIn: the browser, page objects, and the sandbox.

This package knows nothing of Telegram or the database; `bot.services` call
`LinkedInClient` and receive the plain data types of `automation.types`.
"""
