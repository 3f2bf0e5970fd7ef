"""The pure engine: definitions, the machine and cadence maths. No I/O lives here."""
