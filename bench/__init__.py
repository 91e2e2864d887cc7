"""Benchmarks, run by ``make bench`` (``python -m bench``), never by the test suite.

Each module ``bench/<name>.py`` exposes ``run(results_dir: Path) -> dict``: it measures,
writes its figures under ``results_dir`` (``bench/results/``, committed) and returns them.
A result may carry ``"bar_met": bool``; ``python -m bench`` exits 1 when any bar is missed.
"""
