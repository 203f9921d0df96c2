"""Shared fixtures. Each area keeps its fixtures in tests/fixtures/<area>.py; they are all plugged in here."""

pytest_plugins = [
    "tests.fixtures.sandbox",
    "tests.fixtures.browser",
    "tests.fixtures.store",
    "tests.fixtures.botapi",
    "tests.fixtures.fake_linkedin",
    "tests.fixtures.postgres",
    "tests.fixtures.workers",
    "tests.fixtures.processes",
    "tests.fixtures.remote_browser",
    "tests.fixtures.proxy",
]
