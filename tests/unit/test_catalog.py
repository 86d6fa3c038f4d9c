"""The default catalog and its loader: contents, ladder order, and errors that name file/line."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from importlib import resources
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalera.catalog import catalog_digest, load_catalog
from escalera.domain.catalog_model import Catalog, catalog_problems
from escalera.domain.evaluation import LadderStatus, evaluate_firm
from escalera.domain.evidence import Evidence, EvidenceItem
from escalera.domain.measures import Direction, Text
from escalera.domain.standards import Ladder, StandardVersion
from escalera.errors import CatalogError

DEFAULT_FILES = ("ladders.yaml", "metrics.yaml", "practices.yaml", "screening.yaml",
                 "segments.yaml", "sourcing.yaml")
ON = dt.date(2024, 6, 1)

HIGHER, LOWER = Direction.HIGHER, Direction.LOWER
METRICS: dict[str, tuple[Direction, float | None, float | None]] = {
    "on_time_delivery_pct": (HIGHER, 0, 100),
    "defect_rate_pct": (LOWER, 0, 100),
    "lot_acceptance_rate_pct": (HIGHER, 0, 100),
    "defects_per_hundred_units": (LOWER, 0, None),
    "turnaround_days": (LOWER, 0, None),
    "lead_time_days": (LOWER, 0, None),
    "capacity_units_month": (HIGHER, 0, None),
    "efficiency_pct": (HIGHER, 0, 200),
    "rework_pct": (LOWER, 0, 100),
    "wip_days": (LOWER, 0, None),
    "labour_turnover_pct": (LOWER, 0, 100),
    "absenteeism_pct": (LOWER, 0, 100),
}
PRACTICES = (
    "final_inspection",
    "inline_inspection",
    "inventory_control",
    "quality_control_system",
    "quality_circles",
    "kanban_jit",
    "production_planning",
    "plant_layout_wip",
    "separate_business_accounts",
    "own_design",
)
LADDERS = {
    "buyer_tiers": ("tier_3", "tier_2", "tier_1"),
    "regional_state_iso": ("regional", "state", "iso9001_like"),
}
SEGMENTS = (
    "local_informal",
    "national_style_niches",
    "domestic_discount_chains",
    "latin_american_dept_stores",
    "smaller_us_chains",
    "large_us_dept_stores",
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def copy_default(dest: Path) -> Path:
    """The packaged YAML files, copied into ``dest`` (created)."""
    dest.mkdir(parents=True, exist_ok=True)
    root = resources.files("escalera.catalog")
    for name in DEFAULT_FILES:
        (dest / name).write_bytes((root / name).read_bytes())
    return dest


def line_of(text: str, snippet: str) -> int:
    """1-based line where the first ``snippet`` starts in ``text``."""
    assert snippet in text, snippet
    return text.count("\n", 0, text.index(snippet)) + 1


def broken(tmp_path: Path, name: str, old: str, new: str) -> tuple[Path, Path, str]:
    """A copy of the default catalog with the first ``old`` in ``name`` replaced by ``new``."""
    folder = copy_default(tmp_path / "catalog")
    target = folder / name
    text = target.read_text(encoding="utf-8")
    assert old in text, old
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder, target, text


def load_error(path: Path) -> CatalogError:
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    return info.value


# --- the default catalog ------------------------------------------------------------------


def test_default_catalog_loads_once_and_has_no_problems(catalog: Catalog) -> None:
    assert load_catalog() is catalog  # frozen, so the packaged default is shared
    assert catalog_problems(catalog) == []


def test_metrics_are_exactly_the_twelve_fixed_ids(catalog: Catalog) -> None:
    assert [m.id for m in catalog.metrics] == list(METRICS)
    for metric in catalog.metrics:
        direction, minimum, maximum = METRICS[metric.id]
        assert (metric.direction, metric.minimum, metric.maximum) == (direction, minimum, maximum)
        assert metric.unit


def test_practices_are_exactly_the_ten_ids_with_a_documented_description(
    catalog: Catalog,
) -> None:
    assert tuple(p.id for p in catalog.practices) == PRACTICES
    for practice in catalog.practices:
        assert practice.description is not None, practice.id
        assert practice.description.es.strip() and practice.description.en.strip()


def test_ladders_and_levels_lowest_first(catalog: Catalog) -> None:
    assert {ladder.id: tuple(lv.id for lv in ladder.levels) for ladder in catalog.ladders} == (
        LADDERS
    )
    for ladder in catalog.ladders:
        for level in ladder.levels:
            assert [(v.version, v.effective_from) for v in level.versions] == [
                ("2024.1", dt.date(2020, 1, 1))
            ]
        months = [level.certificate_months for level in ladder.levels]
        assert months == sorted(months, reverse=True)  # higher levels are re-checked sooner


def _requirements(catalog: Catalog, standard: StandardVersion) -> dict[str, tuple[float, bool]]:
    """item -> (threshold as a "higher is better" number, is a practice)."""
    out: dict[str, tuple[float, bool]] = {}
    for req in standard.metrics:
        higher = catalog.metric(req.metric).direction is Direction.HIGHER
        out[req.metric] = (req.threshold if higher else -req.threshold, False)
    for preq in standard.practices:
        out[preq.practice] = (float(preq.min_maturity), True)
    return out


def harder_problems(catalog: Catalog, ladder: Ladder, on: dt.date) -> list[str]:
    """Why ``ladder`` is not strictly harder level by level on ``on`` (empty when it is)."""
    problems: list[str] = []
    for lower, upper in zip(ladder.levels, ladder.levels[1:], strict=False):
        below = _requirements(catalog, lower.standard_on(on))
        above = _requirements(catalog, upper.standard_on(on))
        for item, (need, _) in below.items():
            if item not in above:
                problems.append(f"{upper.id} drops {item} required by {lower.id}")
            elif above[item][0] < need:
                problems.append(f"{upper.id} is looser than {lower.id} on {item}")
        if not set(above) - set(below) and all(above[i][0] == below[i][0] for i in below):
            problems.append(f"{upper.id} asks nothing more than {lower.id}")
    return problems


@pytest.mark.parametrize("ladder_id", list(LADDERS))
def test_each_level_is_strictly_harder_than_the_one_below(catalog: Catalog, ladder_id: str) -> None:
    ladder = catalog.ladder(ladder_id)
    dates = {v.effective_from for level in ladder.levels for v in level.versions}
    for day in sorted(dates):
        assert harder_problems(catalog, ladder, day) == []


def test_the_harder_check_catches_a_looser_level(catalog: Catalog) -> None:
    ladder = catalog.ladder("buyer_tiers")
    tier_3, tier_2, tier_1 = ladder.levels
    loose = tier_1.standard_on(ON).model_copy(update={"metrics": tier_3.standard_on(ON).metrics})
    swapped = ladder.model_copy(
        update={
            "levels": (tier_3, tier_2, tier_1.model_copy(update={"versions": (loose,)})),
        }
    )
    assert any("looser" in p for p in harder_problems(catalog, swapped, ON))


def test_every_requirement_and_segment_has_a_one_line_rationale(catalog: Catalog) -> None:
    rationales = [seg.rationale for seg in catalog.segments]
    for ladder in catalog.ladders:
        for level in ladder.levels:
            for version in level.versions:
                rationales += [r.rationale for r in version.metrics]
                rationales += [r.rationale for r in version.practices]
    assert len(rationales) > 60
    for text in rationales:
        assert text.strip() == text and text and "\n" not in text


def test_names_are_bilingual(catalog: Catalog) -> None:
    named: list[tuple[str, Text]] = [
        (item.id, item.name)
        for items in (catalog.metrics, catalog.practices, catalog.ladders, catalog.segments)
        for item in items
    ]
    named += [(lv.id, lv.name) for ladder in catalog.ladders for lv in ladder.levels]
    for item_id, name in named:
        assert name.es.strip() and name.en.strip(), item_id


def test_segments_ascend_in_demand(catalog: Catalog) -> None:
    assert tuple(s.id for s in catalog.segments) == SEGMENTS
    ladder = catalog.ladder("buyer_tiers")
    ranks = [-1 if s.level is None else ladder.level_index(s.level) for s in catalog.segments]
    assert {s.ladder for s in catalog.segments} == {"buyer_tiers"}
    assert ranks == sorted(ranks)
    leads = [s.lead_time_days for s in catalog.segments]
    assert leads == sorted(leads, reverse=True)
    assert catalog.segments[0].level is None and catalog.segments[0].min_order_units == 0
    top = catalog.segments[-1]
    assert (top.level, top.min_order_units, top.lead_time_days) == ("tier_1", 20_000, 49)


def _evidence(metrics: dict[str, float], practices: dict[str, float]) -> Evidence:
    def item(value: float) -> EvidenceItem:
        return EvidenceItem(value=value, observed_on=ON, assessment_id="a1")

    return Evidence(
        metrics={k: item(v) for k, v in metrics.items()},
        practices={k: item(v) for k, v in practices.items()},
    )


def test_a_decent_small_workshop_reaches_tier_3_but_not_tier_2(catalog: Catalog) -> None:
    workshop = _evidence(
        {
            "on_time_delivery_pct": 82,
            "defect_rate_pct": 5.5,
            "turnaround_days": 25,
            "lead_time_days": 70,
            "lot_acceptance_rate_pct": 85,
        },
        {
            "final_inspection": 1,
            "separate_business_accounts": 1,
            "production_planning": 1,
            "inventory_control": 1,
        },
    )
    result = evaluate_firm(catalog, "F1", workshop, ON, monthly_capacity=1_500)
    tiers = result.ladder("buyer_tiers")
    assert (tiers.status, tiers.attained, tiers.next_level) == (
        LadderStatus.ATTAINED,
        "tier_3",
        "tier_2",
    )
    assert result.ladder("regional_state_iso").attained == "regional"
    assert result.reachable_segments == ["local_informal", "national_style_niches"]
    assert result.next_segment is not None
    assert result.next_segment.segment == "domestic_discount_chains"


def test_tier_1_is_demanding(catalog: Catalog) -> None:
    tier_1 = catalog.ladder("buyer_tiers").levels[-1].standard_on(ON)
    metrics = {r.metric: r.threshold for r in tier_1.metrics}
    assert metrics["on_time_delivery_pct"] >= 95 and metrics["defect_rate_pct"] <= 2
    assert metrics["lot_acceptance_rate_pct"] >= 96 and metrics["lead_time_days"] <= 49
    assert metrics["efficiency_pct"] >= 65
    practices = {r.practice: int(r.min_maturity) for r in tier_1.practices}
    assert practices["quality_circles"] >= 1 and practices["kanban_jit"] >= 1
    assert sum(m >= 2 for m in practices.values()) > len(practices) / 2


# --- digest -------------------------------------------------------------------------------


def test_digest_is_stable_and_ignores_layout(tmp_path: Path, catalog: Catalog) -> None:
    digest = catalog_digest(catalog)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert catalog_digest(load_catalog(copy_default(tmp_path / "copy"))) == digest
    # The same rules in one file, block style, no comments: same digest.
    merged: dict[str, object] = {}
    for name in DEFAULT_FILES:
        merged.update(yaml.safe_load((tmp_path / "copy" / name).read_text(encoding="utf-8")))
    one = tmp_path / "one.yaml"
    one.write_text(yaml.safe_dump(merged, allow_unicode=True), encoding="utf-8")
    assert catalog_digest(load_catalog(one)) == digest


def test_digest_changes_with_a_threshold(tmp_path: Path, catalog: Catalog) -> None:
    folder, _, _ = broken(tmp_path, "ladders.yaml", "threshold: 80,", "threshold: 81,")
    assert catalog_digest(load_catalog(folder)) != catalog_digest(catalog)


# --- user catalogs ------------------------------------------------------------------------

MINI_METRICS = """\
metrics:
  - id: on_time_delivery_pct
    name: {es: Entregas a tiempo, en: On-time delivery}
    unit: "%"
    direction: higher_is_better
    minimum: 0
    maximum: 100
"""
MINI_PRACTICES = """\
practices:
  - id: final_inspection
    name: {es: Inspección final, en: Final inspection}
"""
MINI_LADDERS = """\
ladders:
  - id: local
    name: {es: Local, en: Local}
    levels:
      - id: basic
        name: {es: Básico, en: Basic}
        versions:
          - version: "1"
            effective_from: 2021-01-01
            metrics:
              - {metric: on_time_delivery_pct, threshold: 70, rationale: Our buyers ask it.}
            practices:
              - {practice: final_inspection, min_maturity: 1, rationale: Check lots.}
"""


def test_user_directory_with_sections_split_any_way(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(MINI_METRICS + MINI_PRACTICES, encoding="utf-8")
    (tmp_path / "rungs.yaml").write_text(MINI_LADDERS, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not yaml: [", encoding="utf-8")  # ignored
    catalog = load_catalog(tmp_path)
    assert [m.id for m in catalog.metrics] == ["on_time_delivery_pct"]
    assert catalog.segments == ()  # optional
    assert catalog.ladder("local").levels[0].certificate_months == 24


def test_user_single_file_with_every_section(tmp_path: Path) -> None:
    path = tmp_path / "all.yaml"
    path.write_text(MINI_METRICS + MINI_PRACTICES + MINI_LADDERS, encoding="utf-8")
    assert load_catalog(path).ladder("local").levels[0].id == "basic"


# --- broken catalogs: file, line, field ---------------------------------------------------


def test_wrong_type_names_file_line_and_field(tmp_path: Path) -> None:
    folder, target, text = broken(tmp_path, "ladders.yaml", "threshold: 80,", "threshold: abc,")
    err = load_error(folder)
    line = line_of(text, "threshold: 80,")
    field = "ladders[0].levels[0].versions[0].metrics[0].threshold"
    assert (err.file, err.line, err.field) == (str(target), line, field)
    assert str(err).startswith(f"{target}:{line}: {field}: Input should be a valid number")
    assert str(err).endswith("(got 'abc')")
    assert len(str(err).splitlines()) == 1  # no knock-on "too short" complaints


def test_unknown_metric_in_a_level(tmp_path: Path) -> None:
    old = "{metric: defect_rate_pct, threshold: 4,"
    folder, target, text = broken(
        tmp_path, "ladders.yaml", old, "{metric: defect_rate_percent, threshold: 4,"
    )
    err = load_error(folder)
    assert (err.file, err.line, err.field) == (
        str(target),
        line_of(text, old),
        "ladders[0].levels[1].versions[0].metrics[1].metric",
    )
    assert "unknown metric 'defect_rate_percent'" in str(err)


def test_missing_required_field_points_at_its_parent(tmp_path: Path) -> None:
    folder, target, text = broken(tmp_path, "metrics.yaml", '    unit: "%"\n', "")
    err = load_error(folder)
    assert (err.file, err.line, err.field) == (
        str(target),
        line_of(text, "- id: on_time_delivery_pct"),
        "metrics[0].unit",
    )
    assert "Field required" in str(err)
    assert "(got" not in str(err)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    old = "    direction: lower_is_better\n"
    folder, target, text = broken(
        tmp_path, "metrics.yaml", old, "    direction: lower: is_better\n"
    )
    err = load_error(folder)
    assert (err.file, err.line, err.field) == (str(target), line_of(text, old), None)
    assert "YAML syntax error" in str(err)


def test_tab_indentation_is_a_syntax_error_with_a_line(tmp_path: Path) -> None:
    old = "      - id: tier_2\n"
    folder, target, text = broken(tmp_path, "ladders.yaml", old, "\t- id: tier_2\n")
    err = load_error(folder)
    assert (err.file, err.line) == (str(target), line_of(text, old))


def test_duplicate_id(tmp_path: Path) -> None:
    folder, target, text = broken(
        tmp_path, "practices.yaml", "id: inline_inspection", "id: final_inspection"
    )
    err = load_error(folder)
    assert (err.file, err.line, err.field) == (
        str(target),
        line_of(text, "id: inline_inspection"),
        "practices[1].id",
    )
    first, *rest = str(err).splitlines()
    assert "duplicate id 'final_inspection'" in first
    assert any("unknown practice 'inline_inspection'" in line for line in rest)  # all reported


def test_segment_naming_a_missing_level(tmp_path: Path) -> None:
    folder, target, text = broken(tmp_path, "segments.yaml", "level: tier_1", "level: tier_0")
    err = load_error(folder)
    assert (err.file, err.line, err.field) == (
        str(target),
        line_of(text, "level: tier_1"),
        "segments[5].level",
    )
    assert "has no level 'tier_0'" in str(err)


def test_every_problem_is_reported_first_one_in_the_attributes(tmp_path: Path) -> None:
    folder = copy_default(tmp_path / "catalog")
    for name, old, new in (
        ("metrics.yaml", "maximum: 200", "maximum: lots"),
        ("segments.yaml", "min_order_units: 300\n", "min_order_units: -3\n"),
    ):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    err = load_error(folder)
    lines = str(err).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{folder / 'metrics.yaml'}:")
    assert "segments[1].min_order_units" in lines[1]
    assert err.field == "metrics[7].maximum"


def test_threshold_outside_the_metric_range(tmp_path: Path) -> None:
    folder, _, text = broken(tmp_path, "ladders.yaml", "threshold: 95,", "threshold: 195,")
    err = load_error(folder)
    assert err.line == line_of(text, "threshold: 95,")
    assert "threshold 195 is above the maximum 100 %" in str(err)


def test_bad_date_is_a_field_error_not_a_crash(tmp_path: Path) -> None:
    folder, _, text = broken(
        tmp_path, "ladders.yaml", "effective_from: 2020-01-01", "effective_from: 2020-13-01"
    )
    err = load_error(folder)
    assert err.line == line_of(text, "effective_from: 2020-01-01")
    assert err.field == "ladders[0].levels[0].versions[0].effective_from"


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    folder, target, text = broken(
        tmp_path, "metrics.yaml", "    maximum: 100\n", "    maximum: 100\n    maximum: 90\n"
    )
    err = load_error(folder)
    assert (err.file, err.line, err.field) == (
        str(target),
        line_of(text, "    maximum: 100\n") + 1,
        "metrics[0].maximum",
    )
    assert "key given twice" in str(err)


def test_section_in_two_files(tmp_path: Path) -> None:
    folder = copy_default(tmp_path / "catalog")
    extra = folder / "zz_more.yaml"
    extra.write_text("# more\nmetrics: []\n", encoding="utf-8")
    err = load_error(folder)
    assert (err.file, err.line, err.field) == (str(extra), 2, "metrics")
    assert "already given in" in str(err) and "metrics.yaml" in str(err)


def test_unknown_section_and_bad_top_level(tmp_path: Path) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(
        MINI_METRICS + MINI_PRACTICES + MINI_LADDERS + "standards: []\n", encoding="utf-8"
    )
    err = load_error(path)
    assert "unknown section 'standards'" in str(err)
    assert err.line == len((MINI_METRICS + MINI_PRACTICES + MINI_LADDERS).splitlines()) + 1
    path.write_text("- metrics\n", encoding="utf-8")
    assert "top level must be a mapping" in str(load_error(path))


def test_missing_required_section(tmp_path: Path) -> None:
    path = tmp_path / "only_ladders.yaml"
    path.write_text(MINI_LADDERS, encoding="utf-8")
    err = load_error(path)
    assert (err.file, err.line) == (str(path), None)
    assert err.field == "metrics"
    assert "no 'metrics' section" in str(err) and "no 'practices' section" in str(err)


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    assert "no such file" in str(load_error(tmp_path / "nope"))
    assert "no *.yaml files" in str(load_error(tmp_path))


# --- any edit either loads or fails with a located CatalogError -------------------------

REPLACEMENTS = [
    "abc",
    "-1",
    "1e999",
    "null",
    "[]",
    "{}",
    "x: y",
    "'",
    "2020-13-45",
    "yes",
    "[unclosed",
    "&a x",
    "*nope",
    "!!python/name:os.system",
    "0",
    "tier_9",
    '""',
]


def _scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    children = (
        node.value
        if isinstance(node, yaml.SequenceNode)
        else [n for pair in node.value for n in pair]
    )
    return [s for child in children for s in _scalars(child)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(DEFAULT_FILES),
    pick=st.integers(min_value=0),
    new=st.sampled_from(REPLACEMENTS),
)
def test_any_scalar_edit_loads_or_raises_a_located_catalog_error(
    name: str, pick: int, new: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = copy_default(Path(tmp) / "catalog")
        target = folder / name
        text = target.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        assert root is not None
        scalars = _scalars(root)
        node = scalars[pick % len(scalars)]
        start, end = node.start_mark.index, node.end_mark.index
        target.write_text(text[:start] + new + text[end:], encoding="utf-8")
        try:
            load_catalog(folder)
        except CatalogError as err:
            assert err.file is not None and Path(err.file).parent == folder
            assert str(err).startswith(err.file)
            if err.line is not None:
                lines = Path(err.file).read_text(encoding="utf-8").count("\n") + 1
                assert 1 <= err.line <= lines
