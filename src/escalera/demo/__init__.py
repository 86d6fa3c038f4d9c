"""A synthetic but believable network of Mexican garment producers, for demos and benchmarks.

``generate_network(n_firms, seed, reference_date)`` builds firms, links, assessments and
(chunked) observations column-wise with NumPy and Polars; ``write_database`` and
``write_parquet`` store them. The same arguments always give the same network.
"""

from escalera.demo.generator import DemoNetwork, generate_network
from escalera.demo.writer import WriteSummary, write_database, write_parquet

__all__ = ["DemoNetwork", "WriteSummary", "generate_network", "write_database",
           "write_parquet"]
