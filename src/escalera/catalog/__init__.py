"""The default catalog (metrics, practices, ladders, segments as YAML) and its loader."""

from escalera.catalog.digest import catalog_digest
from escalera.catalog.loader import load_catalog

__all__ = ["catalog_digest", "load_catalog"]
