"""The rubric files: what ships, and how a broken one is reported."""

from fractions import Fraction as F
from pathlib import Path

import pytest

from icg_desk.models.rubric_file import (
    RubricError,
    builtin_rubric,
    load_rubric,
    parse_rubric,
    rubric_from_argument,
)
from icg_desk.paths import builtin_editions, rubrics_dir


def test_both_editions_ship(revised, pilot):
    assert builtin_editions() == ("icg-pilot", "icg-revised")
    assert revised.edition == "icg-revised"
    assert pilot.edition == "icg-pilot"


def test_revised_maps_two_entries_to_the_seven_factors_as_domain_md_says(revised):
    assert [e.number for e in revised.entries] == [1, 2]
    assert [f.key for f in revised.factors_for_entry(1)] == ["impact_cycle", "playbook", "data"]
    assert [f.key for f in revised.factors_for_entry(2)] == [
        "communication",
        "partnership",
        "leadership",
        "system_support",
    ]


def test_pilot_has_one_entry_per_factor(pilot):
    assert [e.number for e in pilot.entries] == list(range(1, 8))
    assert [f.entry for f in pilot.factors] == list(range(1, 8))


def test_thresholds_reads_and_links_are_the_documented_defaults(revised, pilot):
    for r in (revised, pilot):
        assert r.thresholds.certification == F("2.75")
        assert r.thresholds.factor_floor == F("1.75")
        assert r.thresholds.accomplished == F("2.75")
        assert r.reads.per_portfolio == 2
        assert r.reads.discrepancy == F("1.25")
        assert r.reads.flag_decision_disagreement
        assert r.retake.rule == "higher"
        assert [lv.level for lv in r.levels] == [4, 3, 2, 1]
        assert [lv.accomplished for lv in r.levels] == [True, True, False, False]
        assert all(f.weight == 1 for f in r.factors)
        assert all(3 <= len(f.look_fors) <= 6 for f in r.factors)
        assert all("Certified Instructional Coaches" in f.standard for f in r.factors)


def test_the_rubric_keeps_its_file_text_for_embedding(revised):
    assert revised.source_text == (rubrics_dir() / "icg-revised.toml").read_text("utf-8")
    assert parse_rubric(revised.source_text, "copy") == revised


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://www.youtube.com/watch?v=abcdefghijk", True),
        ("https://youtu.be/abcdefghijk", True),
        ("https://YOUTUBE.com/watch?v=x", True),
        ("https://www.youtube.com:443/watch?v=x", True),
        ("http://www.youtube.com/watch?v=x", False),  # not https
        ("https://vimeo.com/123", False),
        ("https://youtube.com.evil.example/watch", False),  # look-alike host
        ("https://www.youtube.com@evil.example/", False),  # userinfo trick
        ("https://user:pw@www.youtube.com/", False),
        ("https://www.youtube.com:8443/", False),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("https://www.youtube.com/watch?v=x y", False),
        ("https://www.youtube.com/\nwatch", False),
        ("", False),
        ("https://[::1/", False),  # unparseable
    ],
)
def test_link_policy(revised, url, allowed):
    assert revised.links.allows(url) is allowed


def _broken(revised, old: str, new: str) -> str:
    text = revised.source_text
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'certification = "2.75"',
            "certification = 2.75",
            "thresholds.certification: write the number as a string",
        ),
        (
            'certification = "2.75"',
            'certification = "abc"',
            "thresholds.certification: 'abc' is not a number",
        ),
        (
            'certification = "2.75"',
            'certification = "9"',
            "thresholds.certification: must lie within the scale",
        ),
        ('discrepancy = "1.25"', "", "reads.discrepancy: is missing"),
        ('combine = "mean"', 'combine = "median"', "reads.combine: 'median' is not one of mean"),
        ('rule = "higher"', 'rule = "best"', "retake.rule: 'best' is not one of higher, latest"),
        ("per_portfolio = 2", "per_portfolio = 0", "reads.per_portfolio: must be at least 1"),
        ('key = "data"', 'key = "playbook"', "factors[2].key: 'playbook' appears twice"),
        ('key = "data"', 'key = "Data Factor"', "factors[2].key: 'Data Factor' must be"),
        ("entry = 1", "entry = 9", "factors[0].entry: there is no entry 9"),
        (
            '{ label = "1+", value = "1.25" }',
            '{ label = "1+", value = "0.50" }',
            "scale.values[2].value: values must ascend",
        ),
        (
            '{ label = "1+", value = "1.25" }',
            '{ label = "one+", value = "1.25" }',
            "scale.values[2].label: 'one+' must be a level",
        ),
        ("format = 1", "format = 2", "format: is 2, from a newer ICG Desk"),
        ("[thresholds]", "[thresholds", "not valid TOML"),
        ('weight = "1"', 'weight = "0"', "factors[0].weight: must be more than 0"),
        (
            "rationale_required = false",
            'rationale_required = "no"',
            "factors[0].rationale_required: must be true or false",
        ),
        ("look_fors = [", "look_fors_old = [", "factors[0].look_fors: is missing"),
    ],
)
def test_a_broken_rubric_names_the_file_the_key_and_the_problem(revised, old, new, message):
    with pytest.raises(RubricError) as err:
        parse_rubric(_broken(revised, old, new), "my-rubric.toml")
    assert str(err.value).startswith("my-rubric.toml: ")
    assert message in str(err.value)


def test_an_entry_no_factor_scores_is_refused(revised):
    text = revised.source_text.replace("entry = 2", "entry = 1")
    with pytest.raises(RubricError, match="entries: entry 2 is scored on no factor"):
        parse_rubric(text, "x.toml")


def test_files_that_cannot_be_read(tmp_path: Path):
    with pytest.raises(RubricError, match="no such rubric file"):
        load_rubric(tmp_path / "missing.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RubricError, match="not a text file"):
        load_rubric(binary)
    with pytest.raises(RubricError, match="no rubric edition 'icg-2099'.*icg-pilot, icg-revised"):
        builtin_rubric("icg-2099")


def test_rubric_argument_takes_an_edition_or_a_file(tmp_path: Path, revised):
    assert rubric_from_argument("icg-pilot").edition == "icg-pilot"
    copy = tmp_path / "coordinator.toml"
    copy.write_text(revised.source_text.replace('"icg-revised"', '"cohort-2027"', 1), "utf-8")
    assert rubric_from_argument(str(copy)).edition == "cohort-2027"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # Found by the fuzz test (tests/test_fuzz_inputs.py): Fraction(Decimal("1e-999999999"))
        # builds a billion-digit denominator, and the load never ended.
        ('discrepancy = "1.25"', 'discrepancy = "1e-999999999"', "reads.discrepancy: '1e-99"),
        (
            '{ label = "4+", value = "4.25" }',
            '{ label = "4+", value = "1e999999999" }',
            "scale.values[11].value: '1e999999999' is not a number",
        ),
        ('certification = "2.75"', 'certification = "Infinity"', "'Infinity' is not a number"),
        ('certification = "2.75"', 'certification = "2.75e0"', "'2.75e0' is not a number"),
        # And a whole number past Python's 4,300 digits: tomllib's int() raised a ValueError.
        ("per_portfolio = 2", "per_portfolio = " + "9" * 5000, "not a rubric ICG Desk can read"),
    ],
)
def test_a_rubric_number_is_judged_as_text_before_it_is_built(revised, old, new, message):
    with pytest.raises(RubricError) as err:
        parse_rubric(_broken(revised, old, new), "my-rubric.toml")
    assert str(err.value).startswith("my-rubric.toml: ")
    assert message in str(err.value)
