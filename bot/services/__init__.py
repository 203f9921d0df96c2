"""The domain: sync, policy, the action queue, digest, notes, reminders, stats.

Services import no `telegram` and no `playwright` (docs/architecture.md has the layers); they
are async, take a session (or session factory), the LinkedIn client and a clock as arguments,
and return plain data or ORM objects.
"""
