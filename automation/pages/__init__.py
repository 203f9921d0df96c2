"""Page objects: one class per LinkedIn page or dialog, locators by role and accessible name.

Each class takes a Playwright `Page`, creates its locators once in `__init__` and offers methods
named after what a person does there; they return plain data (`automation.types`), never
Playwright objects. Rendering-specific fallbacks (E4 2026, E3 early 2026, E2 Ember; see
/work/shared/linkedin-reference.md §1.2–1.5) sit behind the role-based locator they back up.
`automation.client.LinkedInClient` composes them into the operations the services call.
"""
