"""Benchmarks of onec-bridge against baselines, all ratios measured in one invocation.

Run ``python -m bench.run`` (``make bench``); results go to ``bench/RESULTS.md``.
"""
