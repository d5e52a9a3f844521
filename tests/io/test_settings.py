"""Typed settings: every key of settings.toml declared once, parsed into frozen typed sections,
an unknown or mistyped key refused naming the file, section, key and line; the README table
generated from the declaration."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path

import pytest

from reserva.errors import AssumptionError
from reserva.io.assumptions import default_root, load_assumptions
from reserva.io.settings import (
    BEGIN,
    END,
    SECTIONS,
    Settings,
    parse_settings,
    settings_doc,
    specs,
)
from tests.conftest import edited_set

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = default_root() / "default" / "settings.toml"


@pytest.fixture(scope="module")
def default():
    return load_assumptions("default")


def test_the_readme_table_is_the_declaration():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(BEGIN):readme.index(END) + len(END)]
    assert section == settings_doc(), "run `python -m reserva.io.settings` and paste it"
    assert "| `[ibnr] max_origin_years` | `int` | years | a whole number >= 1 |" in section


def test_every_key_of_the_default_set_is_declared_and_every_declared_key_is_there():
    doc = tomllib.loads(DEFAULT.read_text())
    in_file = {(s, k) for s, values in doc.items() for k in values}
    declared = {(s, k) for s, k, _, _ in specs()}
    assert in_file == declared
    assert list(doc) == list(SECTIONS)  # the README follows the file's order


def test_every_setting_is_documented():
    for section, key, kind, spec in specs():
        assert spec.meaning and spec.source, f"[{section}] {key}"
        if kind in ("str", "float | str", "bool | str"):
            assert spec.choices, f"[{section}] {key} lists its words"


def test_settings_are_typed_frozen_and_read_by_attribute(default):
    s = default.settings
    assert isinstance(s, Settings)
    assert s.ibnr.max_origin_years == 10 and type(s.ibnr.max_origin_years) is int
    assert type(s.alm.discount_rate) is float and type(s.liquidity.expense_add_on_months) is float
    assert s.input.earliest_date == dt.date(1900, 1, 1)
    assert s.liquidity.horizons == (1, 3, 12) and s.ibnr.segment_by == ()
    assert s.timeliness.include_rejected == "edition" and s.health.annualise is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.period.months = 1  # type: ignore[misc]


def test_every_setting_is_an_attribute_and_the_mapping_view_agrees(default):
    for section, key, _, _ in specs():
        assert default.settings[section][key] == getattr(getattr(default.settings, section), key)
    assert not hasattr(default, "setting")  # no lookup by strings: typed attributes only
    with pytest.raises(AttributeError):
        default.settings.alm.nope  # noqa: B018 - an unknown setting is no attribute


def _parse(text: str):
    return parse_settings(tomllib.loads(text), text=text)


@pytest.mark.parametrize(("old", "new", "column", "said"), [
    ("[alm]", "[almm]", "[almm]", "[almm]: [almm] is not a section of the settings (fix: did "
     "you mean [alm]?"),
    ("max_origin_years = 10", "max_origin_year = 10", "[ibnr] max_origin_year",
     "[ibnr] max_origin_year is not a setting (fix: did you mean 'max_origin_years'?"),
    ("months = 3 ", "months = 0 ", "[period] months",
     "[period] months = 0, expected a whole number from 1 to 12"),
    ("rule_of_thumb_share = 0.25", "rule_of_thumb_share = 1.5", "[liquidity] rule_of_thumb_share",
     "[liquidity] rule_of_thumb_share = 1.5, expected a number from 0 to 1"),
    ('kpi_method = "projection"', 'kpi_method = "guess"', "[liquidity] kpi_method",
     "expected a quoted text: one of projection, rule_of_thumb, factor"),
    ('growth_margin = "observed"', 'growth_margin = "fast"', "[liquidity] growth_margin",
     "expected a number >= 0 or observed"),
    ('earliest_date = "1900-01-01"', 'earliest_date = "1900-13-01"', "[input] earliest_date",
     'expected a date "YYYY-MM-DD"'),
    ("buckets = [7, 30, 90]", "buckets = [7, 30.5]", "[timeliness] buckets",
     "expected a list [...] of whole numbers >= 0"),
])
def test_a_bad_setting_is_refused_naming_file_line_section_and_key(old, new, column, said):
    text = DEFAULT.read_text()
    assert old in text
    settings, problems = _parse(text.replace(old, new, 1))
    assert settings is None and len(problems) == 1
    cell = problems[0].cell
    line = next(i for i, t in enumerate(text.replace(old, new, 1).splitlines(), 1) if new in t)
    assert (cell.file, cell.row, cell.column) == ("settings.toml", line, column)
    assert said in problems[0].text


@pytest.mark.parametrize("bad", ["[1, 6]", "[3, 3]", "[12, 3, 1]", "[1, 3, 3, 12]"])
def test_stress_horizons_are_unique_ascending_and_hold_3(bad):
    text = DEFAULT.read_text()
    old = "horizons = [1, 3, 12]           # stressed"
    assert old in text
    new = text.replace(old, f"horizons = {bad}           # stressed", 1)
    settings, problems = _parse(new)
    assert settings is None and len(problems) == 1
    cell = problems[0].cell
    line = next(i for i, t in enumerate(new.splitlines(), 1) if f"horizons = {bad}" in t)
    assert (cell.file, cell.row, cell.column) == ("settings.toml", line, "[stress] horizons")
    assert cell.expected == ("a list [...] of whole numbers >= 1, each once, in ascending "
                             "order, with 3")
    assert cell.fix == "list each horizon once, in ascending order, with 3 (e.g. [1, 3, 12])"
    assert problems[0].text == (
        f"settings.toml [stress] horizons = {list(tomllib.loads(f'x = {bad}')['x'])!r}, "
        f"expected {cell.expected} (fix: {cell.fix})")


def test_stress_horizons_that_hold_3_in_order_are_accepted_and_solvency_months_is_read():
    text = DEFAULT.read_text().replace("horizons = [1, 3, 12]           # stressed",
                                       "horizons = [3, 6]           # stressed", 1)
    settings, problems = _parse(text)
    assert problems == [] and settings.stress.horizons == (3, 6)
    assert settings.stress.solvency_months == 12
    _, problems = _parse(DEFAULT.read_text().replace("solvency_months = 12 ",
                                                     "solvency_months = 0 ", 1))
    assert [p.cell.column for p in problems] == ["[stress] solvency_months"]
    assert "expected a whole number >= 1" in problems[0].text


def test_a_variant_s_stress_horizons_follow_the_same_rule():
    from reserva.io.variants import Overrides, derive

    base = load_assumptions("default")
    with pytest.raises(AssumptionError) as err:
        derive(base, Overrides.of(settings={("stress", "horizons"): [1, 6]}))
    assert "[stress] horizons = [1, 6], expected a list [...] of whole numbers >= 1, each once, " \
           "in ascending order, with 3 (fix: list each horizon once" in str(err.value)
    v = derive(base, Overrides.of(settings={("stress", "horizons"): [1, 3, 6]}))
    assert v.settings.stress.horizons == (1, 3, 6)


def test_a_missing_key_or_section_is_refused():
    text = DEFAULT.read_text()
    without = "\n".join(t for t in text.splitlines() if not t.startswith("shock_bp"))
    _, problems = _parse(without)
    assert [p.text for p in problems] == ["settings.toml [alm] has no shock_bp (fix: add it)"]
    _, problems = _parse(text.replace("[kpi]\ndefault_edition = 2\n", ""))
    assert [p.cell.column for p in problems] == ["[kpi]"]
    assert "settings.toml has no [kpi] section" in problems[0].text


def test_every_bad_setting_is_reported_at_once(tmp_path):
    path = edited_set(tmp_path / "s", settings=lambda t: t.replace(
        "months = 3 ", "months = 13 ", 1).replace("shock_bp = 100", "shock_pb = 100").replace(
        "annualise = true", 'annualise = "yes"'))
    with pytest.raises(AssumptionError) as err:
        load_assumptions(path)
    assert [(c.file, c.column) for c in err.value.cells] == [
        ("settings.toml", "[period] months"), ("settings.toml", "[health] annualise"),
        ("settings.toml", "[alm] shock_pb")]
    assert "3 problems in settings.toml" in str(err.value)
    assert "did you mean 'shock_bp'?" in str(err.value)


def test_a_toml_date_is_a_date_too():
    text = DEFAULT.read_text().replace('latest_date = "2200-12-31"', "latest_date = 2200-12-31")
    settings, problems = _parse(text)
    assert problems == [] and settings.input.latest_date == dt.date(2200, 12, 31)
