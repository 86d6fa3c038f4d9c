"""SQLAlchemy tables. Row ids are internal; firms are known outside by ``public_id``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so Alembic batch mode works on SQLite."""

    metadata = MetaData(naming_convention=NAMING)


class FirmRow(Base):
    """One establishment. ``provenance`` maps field -> {kind, ref}."""

    __tablename__ = "firms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    roles: Mapped[list[Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(80), index=True)
    municipality: Mapped[str] = mapped_column(String(120), default="")
    products: Mapped[list[Any]] = mapped_column(JSON, default=list)
    hs_chapters: Mapped[list[Any]] = mapped_column(JSON, default=list)
    employees: Mapped[int | None] = mapped_column(Integer)
    monthly_capacity: Mapped[int | None] = mapped_column(Integer)
    export_regime: Mapped[str] = mapped_column(String(20))
    hosts_visits: Mapped[bool] = mapped_column(Boolean, default=False)
    founded_on: Mapped[dt.date | None] = mapped_column(Date)  # None: unknown
    working_capital: Mapped[float | None] = mapped_column(Float)  # declared; None: unknown
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class LinkRow(Base):
    """A dated relationship between two firms."""

    __tablename__ = "links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    volume_share: Mapped[float | None] = mapped_column(Float)
    ended_reason: Mapped[str] = mapped_column(String(200), default="")
    origin: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AssessmentRow(Base):
    """A dated visit; its observations are the raw evidence every standard judges.

    Only ``final`` assessments are evidence. A correction of a final assessment is a new row
    with ``version`` + 1 and ``supersedes_id`` pointing at the one it replaces; when the
    correction becomes final the old row turns ``superseded`` and is kept.
    """

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    stage: Mapped[str] = mapped_column(String(24))
    assessed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    assessor: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(16), default="final", index=True)
    origin: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    submitted_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewed_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    finalised_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finalised_by: Mapped[str] = mapped_column(String(120), default="", server_default="")


class StatusChangeRow(Base):
    """One step of an assessment's life-cycle: who moved it from which status to which."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(16), default="")  # "" when created
    to_status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    changed_by: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    # True when a step that asks for a second person (review, finalise, resolving a
    # dispute) was taken by the person who recorded the assessment, as a one-person agency
    # may be configured to allow.
    same_person: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class DisputeRow(Base):
    """A firm's dispute (inconformidad) of a final assessment, and how it was resolved."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    resolved_by: Mapped[str] = mapped_column(String(120), default="")


class ScreeningRow(Base):
    """The checklist answers of a screening visit and its outcome (proceed / not now)."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)


class ObservationRow(Base):
    """One metric value or practice maturity observed at an assessment."""

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("assessment_id", "kind", "item", name="uq_observations_item"),
        Index("ix_observations_kind_item", "kind", "item"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    item: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)


class ImportBatchRow(Base):
    """One import run: what file, what kind, how many rows written or rejected."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(300))
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    # SHA-256 of the file's bytes: the same file imported again into the same database is
    # recognised (None for batches stored before migration 0008).
    content_sha256: Mapped[str | None] = mapped_column(String(64), index=True)


class InspectionStreamRow(Base):
    """One producer's stream of lots of one product, and where its switching rules stand.

    ``state`` holds the counters of ``domain.switching.SwitchingState``; ``reduced_approved``
    is the responsible authority's approval of reduced inspection for this stream.
    """

    __tablename__ = "inspection_streams"
    __table_args__ = (UniqueConstraint("firm_id", "product", name="uq_inspection_streams_lot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    product: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(16), default="normal")
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reduced_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    last_inspected_on: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class InspectionRow(Base):
    """One lot inspected by attribute sampling (ISO 2859-1): the plan per defect class, what
    was found and the decision. Known outside as ``INS-`` and the zero-padded row id."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stream_id: Mapped[int] = mapped_column(ForeignKey("inspection_streams.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    product: Mapped[str] = mapped_column(String(40))
    lot_ref: Mapped[str] = mapped_column(String(60))
    order_ref: Mapped[str] = mapped_column(String(60), default="")
    lot_size: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(4))
    severity: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(String(16))
    sample_size: Mapped[int] = mapped_column(Integer)
    defects_found: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(8))
    resubmitted: Mapped[bool] = mapped_column(Boolean, default=False)
    classes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    inspector: Mapped[str] = mapped_column(String(120), default="")
    inspected_on: Mapped[dt.date] = mapped_column(Date, index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class InspectionDefectRow(Base):
    """How many of one catalog defect an inspection found, in which class."""

    __tablename__ = "inspection_defects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    defect_class: Mapped[str] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(Integer)


class SwitchingTransitionRow(Base):
    """A stream's change of inspection severity and its reason (``domain.switching``)."""

    __tablename__ = "switching_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stream_id: Mapped[int] = mapped_column(ForeignKey("inspection_streams.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    from_severity: Mapped[str] = mapped_column(String(16))
    to_severity: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OrderRow(Base):
    """A buyer's order (``domain.orders.Order``); ``status`` open, allocated or cancelled."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), index=True)
    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    product: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(Integer)
    ladder: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str | None] = mapped_column(String(64))
    segment: Mapped[str | None] = mapped_column(String(64))
    order_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    unit_price: Mapped[float] = mapped_column(Float)
    materials_cost: Mapped[float | None] = mapped_column(Float)
    payment_days: Mapped[int] = mapped_column(Integer)
    splittable: Mapped[bool] = mapped_column(Boolean)
    max_producers: Mapped[int] = mapped_column(Integer)
    min_share: Mapped[float] = mapped_column(Float)
    max_pool_members: Mapped[int] = mapped_column(Integer)
    pool_regions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    destination: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class MatchRunRow(Base):
    """One allocation run: the weights, what the solver proved, and per order the result,
    the explanations and the time to market (``summary``). ``state`` proposed, accepted or
    discarded; only accepted runs hold producers' capacity."""

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    on: Mapped[dt.date] = mapped_column(Date)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    time_limit: Mapped[float] = mapped_column(Float)
    solver_status: Mapped[str] = mapped_column(String(16))
    objective: Mapped[float] = mapped_column(Float)
    bound: Mapped[float] = mapped_column(Float)
    gap: Mapped[float] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    greedy_objective: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(12), default="proposed")
    summary: Mapped[list[Any]] = mapped_column(JSON, default=list)


class AllocationRow(Base):
    """Units of an order given to one producer by a run, through which channel, and what it
    means for the producer's working capital."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    channel: Mapped[str] = mapped_column(String(60))
    units: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[float] = mapped_column(Float)
    delivery_days: Mapped[int] = mapped_column(Integer)
    financing_need: Mapped[float] = mapped_column(Float)
    financing_cost: Mapped[float] = mapped_column(Float)
    credit_candidate: Mapped[bool | None] = mapped_column(Boolean)


class UserRow(Base):
    """An account: a role, and the firm it speaks for (producers and buyers)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(24))
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    # Raised on sign-out (and password change): session cookies carry the version they were
    # issued under, and an older one is no longer accepted.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AssignmentRow(Base):
    """A firm assigned to an assessor: the assessor sees and assesses it."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("user_id", "firm_id", name="uq_assignments_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)


class ApiTokenRow(Base):
    """A token for scripts; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # None: never
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditRow(Base):
    """Who changed what, when, with the values before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str] = mapped_column(String(80), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ProgramRow(Base):
    """A development program: type, sponsor, dates, budget, admission and target standards
    (a ladder level or custom thresholds, as JSON), target date and market segments."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))
    sponsor: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    target_date: Mapped[dt.date] = mapped_column(Date)
    budget: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(8), default="MXN")
    admission: Mapped[dict[str, Any]] = mapped_column(JSON)
    target: Mapped[dict[str, Any]] = mapped_column(JSON)
    entry_segment: Mapped[str | None] = mapped_column(String(60))
    target_segment: Mapped[str | None] = mapped_column(String(60))


class ProgramParticipantRow(Base):
    """A firm's admission decision: admitted on a date, or refused with the requirements it
    missed (``shortfalls``: ids and numbers, read in any language)."""

    __tablename__ = "program_participants"
    __table_args__ = (UniqueConstraint("program_id", "firm_id",
                                       name="uq_program_participants_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    admitted: Mapped[bool] = mapped_column(Boolean)
    level: Mapped[str | None] = mapped_column(String(60))
    shortfalls: Mapped[list[Any]] = mapped_column(JSON, default=list)


class ProgramActivityRow(Base):
    """A dated program record: visit, session, meeting, funnel stage or credit movement."""

    __tablename__ = "program_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    happened_on: Mapped[dt.date] = mapped_column(Date)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), index=True)
    buyer: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[float | None] = mapped_column(Float)
    units: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")


class DataShareRow(Base):
    """A producer lets a buyer's firm read its raw data (assessments, values, inspections)."""

    __tablename__ = "data_shares"
    __table_args__ = (UniqueConstraint("firm_id", "buyer_id", name="uq_data_shares_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    granted_by: Mapped[str] = mapped_column(String(80))


class IdempotencyKeyRow(Base):
    """The answer to a creating API request sent with an ``Idempotency-Key`` header: a
    retry with the same key and body gets the same answer instead of a second record."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("actor", "key", name="uq_idempotency_keys_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
