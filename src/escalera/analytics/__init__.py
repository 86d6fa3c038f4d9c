"""Column-wise analytics over many firms at once (Polars); same rules as ``escalera.domain``."""
