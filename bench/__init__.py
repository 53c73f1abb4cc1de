"""Benchmarks: python bench/run.py [--quick]."""
