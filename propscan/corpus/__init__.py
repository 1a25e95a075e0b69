"""Corpus analysis at scale: read many articles, analyse them on local processes or Ray, keep
the results in an embedded store (DuckDB or Parquet), report on them and review them.

Needs the `corpus` extra: `pip install 'propscan[corpus]'`.
"""
