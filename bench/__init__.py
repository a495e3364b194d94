"""Benchmarks: not part of the test run (`make bench`, `python -m bench.guard`)."""
