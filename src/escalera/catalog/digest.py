"""A fingerprint of a catalog, so an evaluation can record which rules judged it."""

from __future__ import annotations

import hashlib
import json

from escalera.domain.catalog_model import Catalog


def catalog_digest(catalog: Catalog) -> str:
    """Hex sha256 of the catalog's canonical JSON (sorted keys, defaults filled in).

    Two catalogs with the same rules get the same digest however their YAML was laid out
    (split over files, flow or block style, comments); any change to a rule changes it.
    """
    canonical = json.dumps(
        catalog.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
