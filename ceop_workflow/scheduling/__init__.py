"""Durable timers: duty rows created and cancelled with states, and the sweep that runs them.

The database holds every future duty (DESIGN, key decision 2); the daemon only decides when to
look. `listener` keeps the rows in step with partnerships inside their own transactions,
`sweep` claims and handles due rows, `effects` says what each kind of duty does.
"""
