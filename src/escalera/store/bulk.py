"""Fast bulk writes of Polars frames into tables, inside the caller's transaction.

PostgreSQL gets ``COPY ... FROM STDIN`` with CSV that Polars writes; other databases
(SQLite) get one ``executemany`` per chunk on the driver, with JSON columns as JSON text,
dates as ISO text and booleans as 0/1: what SQLAlchemy itself stores there. Nothing here
commits.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import polars as pl
from sqlalchemy import JSON, Boolean, Date, Table, func, select, text
from sqlalchemy.orm import Session

ChunkCallback = Callable[[int], None]


def json_text(column: pl.Series) -> pl.Series:
    """A list or struct column as JSON text (strings pass through: already JSON)."""
    if column.dtype == pl.String:
        return column
    encoded = pl.DataFrame({"v": column}).select(
        pl.struct(pl.col("v")).struct.json_encode().str.slice(5).str.head(-1).alias(column.name)
    )
    return encoded.to_series()


def _prepare(table: Table, frame: pl.DataFrame, *, for_copy: bool) -> pl.DataFrame:
    """Columns as the driver wants them: JSON text, and for executemany ISO dates and 0/1."""
    columns = []
    for name in frame.columns:
        column_type = table.c[name].type
        series = frame[name]
        if isinstance(column_type, JSON):
            series = json_text(series)
        elif not for_copy and isinstance(column_type, Date):
            series = series.dt.strftime("%Y-%m-%d")
        elif not for_copy and isinstance(column_type, Boolean):
            series = series.cast(pl.Int8)
        columns.append(series.alias(name))
    return pl.DataFrame(columns)


def _quote(session: Session, name: str) -> str:
    return session.get_bind().dialect.identifier_preparer.quote(name)


def bulk_insert(session: Session, table: Table, frame: pl.DataFrame, *,
                chunk_rows: int = 50_000, on_chunk: ChunkCallback | None = None) -> int:
    """Insert every row of ``frame`` (columns named as ``table``'s); returns the row count."""
    if frame.is_empty():
        return 0
    dialect = session.get_bind().dialect
    names = ", ".join(_quote(session, c) for c in frame.columns)
    target = _quote(session, table.name)
    connection = session.connection()
    if dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            for start in range(0, len(frame), chunk_rows):
                chunk = _prepare(table, frame.slice(start, chunk_rows), for_copy=True)
                buffer = io.BytesIO()
                chunk.write_csv(buffer, include_header=False)
                with cursor.copy(f"COPY {target} ({names}) FROM STDIN (FORMAT csv)") as copy:
                    copy.write(buffer.getvalue())
                if on_chunk:
                    on_chunk(len(chunk))
        return len(frame)
    marker = {"qmark": "?", "numeric": ":{i}", "named": ":{name}"}.get(dialect.paramstyle, "%s")
    placeholders = ", ".join(marker.format(i=i + 1, name=c) for i, c in enumerate(frame.columns))
    statement = f"INSERT INTO {target} ({names}) VALUES ({placeholders})"
    for start in range(0, len(frame), chunk_rows):
        chunk = _prepare(table, frame.slice(start, chunk_rows), for_copy=False)
        rows = chunk.to_dicts() if dialect.paramstyle == "named" else chunk.rows()
        connection.exec_driver_sql(statement, rows)
        if on_chunk:
            on_chunk(len(chunk))
    return len(frame)


def max_id(session: Session, table: Table) -> int:
    """The largest ``id`` in ``table`` (0 when empty): the offset for explicit ids."""
    return int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)


def sync_id_sequence(session: Session, table: Table) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequence past them (no-op else)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text("SELECT setval(pg_get_serial_sequence(:t, 'id'), "
             f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {_quote(session, table.name)}), false)"),
        {"t": table.name},
    )
