"""Benchmarks and the bulk data builders they share with the multi-process tests."""
