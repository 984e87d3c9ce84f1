"""Benchmarks run by hand: the project's engine for ../shared/bench, and its own scenarios."""
