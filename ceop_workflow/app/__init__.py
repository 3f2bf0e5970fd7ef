"""The use cases: what a person or the daemon asks of the system, one module a concern.

`service` fires triggers (the one write path of the lifecycle), `queries` reads partnerships
and workflow versions, `records` keeps contacts, reviews and contributions, `worklist` says
what is due for whom, `catalog` loads definitions, `migration` moves running partnerships to
another version, `emails` queues and previews messages, `roles` says who holds which role,
`accounts` and `throttle` look after sign-in, `views` and `links` shape what the others return,
`home` gathers each role's home page and `partners` a partner's whole story, `desk` is the
admin's workflow desk (check, compare, load, migrate a definition given as text) and `diagrams`
lays a definition out with Graphviz `dot` for a page.
Every use case returns frozen dataclasses (tests/unit/test_typed_boundaries.py) and runs in one
transaction. Interfaces (cli, web, daemon, demo) call these; these never call them back
(tests/unit/test_layers.py).
"""
