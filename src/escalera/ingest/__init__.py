"""Import of firms, links and assessments from people's spreadsheets (CSV, XLSX, Parquet).

Pure and database-free: ``reading`` turns a file into text cells, ``headers`` maps the
file's headers onto the documented columns (``formats``), ``validate`` turns rows into
domain models or :class:`~escalera.ingest.report.RowError` values, ``duplicates`` finds
likely duplicate firms. ``escalera.services.importing`` is the thin layer that writes.
"""
