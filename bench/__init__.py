"""``make bench``: synthetic data at 1k, 10k and 100k commitments, and the pages measured on it.

Not part of the application: nothing here is imported by ``tracker.settings`` or its URLs.
``bench.settings`` (the production settings plus a bench-only ceiling page) is used only by
the benchmark's own processes. See ``bench/README.md``.
"""

# Bumped whenever the generator's output changes: a cached dataset of another version is rebuilt.
GENERATOR_VERSION = 1
