"""Benchmark harness for skcancelout: tasks, peers, metrics and reports.

Run ``python -m benchmarks.run`` (full) or ``python -m benchmarks.run --smoke``.
"""
