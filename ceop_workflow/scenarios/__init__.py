"""Scenario tests for admins: a timeline of actions run against a workflow definition.

`ceop-workflow workflows test FILE...` reads each file (`spec`), runs it on a throw-away
database with a simulated clock through the real use cases and the daemon's sweep (`runner`),
and checks each step's expectations (`checks`). The format is in docs/workflows.md.
"""
