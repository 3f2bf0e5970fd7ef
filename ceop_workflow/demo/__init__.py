"""`ceop-workflow demo`: the strategy's partners, seeded and run through a simulated year."""
