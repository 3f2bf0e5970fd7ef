"""Use cases of the strategy beyond one partnership: the Business Plan register (sections 2
and 7), initiatives (sections 3 and 6), difficult interactions (section 6) and benefits (2.3)."""
