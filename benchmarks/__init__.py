"""Throughput and memory of the Texter provider against the local sandbox: ``python -m benchmarks``."""
