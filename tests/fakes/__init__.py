"""In-memory stand-ins for counterparts the tests cannot or need not run for real.

`tests.fakes.linkedin`: LinkedIn at the `LinkedInClient` boundary, over the sandbox's world.
"""
