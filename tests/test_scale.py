from fractions import Fraction as F

import pytest

from icg_desk.scoring.scale import ScoreError, format_against, format_score

SCALE = [
    ("1-", F("0.75")),
    ("1", F(1)),
    ("1+", F("1.25")),
    ("2-", F("1.75")),
    ("2", F(2)),
    ("2+", F("2.25")),
    ("3-", F("2.75")),
    ("3", F(3)),
    ("3+", F("3.25")),
    ("4-", F("3.75")),
    ("4", F(4)),
    ("4+", F("4.25")),
]


def test_the_scale_has_exactly_the_twelve_values_of_domain_md(revised, pilot):
    for rubric in (revised, pilot):
        assert [(v.label, v.value) for v in rubric.scale.values] == SCALE


@pytest.mark.parametrize(("label", "value"), SCALE)
def test_labels_and_numbers_parse_to_the_same_exact_value(revised, label, value):
    assert revised.scale.parse(label) == value
    assert revised.scale.parse(format_score(value)) == value
    assert revised.scale.label(value) == label


@pytest.mark.parametrize("text", [" 3+ ", "3.250", "3.25", "4", "4.0", "0.75"])
def test_tolerant_forms_are_accepted(revised, text):
    assert revised.scale.contains(revised.scale.parse(text))


@pytest.mark.parametrize(
    "text",
    [
        "5",
        "2.6",
        "abc",
        "3++",
        "",
        "0",
        "1.5",
        "4.5",
        "-1",
        "3.33",
        "NaN",
        "1e0",
        "３",
        "+3",
        "0.5",
        "2.50",
        "3 +",
        "3,25",
        "Infinity",
    ],
)
def test_anything_off_the_scale_is_rejected_with_what_is_allowed(revised, text):
    with pytest.raises(ScoreError) as err:
        revised.scale.parse(text)
    message = str(err.value)
    assert repr(text.strip()) in message
    assert "1-, 1, 1+, 2-" in message
    assert "4.25" in message


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (F(20, 7), "2.86"),  # 2.857...
        (F(81, 28), "2.89"),  # 20.25 / 7
        (F(1, 3), "0.33"),
        (F(2745, 1000), "2.75"),  # half up
        (F(2855, 1000), "2.86"),
        (F(2, 1), "2.00"),
        (F(37, 12), "3.08"),  # three reads 3, 3, 3.25
    ],
)
def test_two_decimals_half_up(value, shown):
    assert format_score(value) == shown


def test_a_value_just_below_a_threshold_never_shows_as_the_threshold():
    assert format_against(F(2745, 1000), F(11, 4)) == "2.7450"
    assert format_against(F(2744, 1000), F(11, 4)) == "2.74"
    assert format_against(F(3, 1), F(11, 4)) == "3.00"


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("0.75", 1),
        ("1.25", 1),
        ("1.5", 1),
        ("1.75", 2),
        ("2.25", 2),
        ("2.5", 2),
        ("2.75", 3),
        ("3.5", 3),
        ("3.75", 4),
        ("4.25", 4),
    ],
)
def test_the_level_a_factor_score_reaches(revised, value, level):
    assert revised.scale.level_of(F(value)) == level


def test_level_text_uses_the_rubric_descriptors(revised):
    assert revised.level_text(F(3)) == "3 - Clear evidence"
    assert revised.level_text(F("4.25")) == "4 - Clear, consistent, and convincing evidence"
    assert revised.level_text(F("1.75")) == "2 - Limited evidence"
    assert revised.level_text(F("0.75")) == "1 - Little or no evidence"


def test_label_of_an_off_scale_value_is_an_error(revised):
    with pytest.raises(ScoreError):
        revised.scale.label(F("1.5"))


@pytest.mark.parametrize(
    ("value", "sign", "result"),
    [
        ("3", "+", "3.25"),
        ("3.25", "+", "3"),
        ("3.25", "-", "2.75"),
        ("2.75", "-", "3"),
        ("1", "-", "0.75"),
        ("4", "+", "4.25"),
        ("4.25", "-", "3.75"),
    ],
)
def test_the_modifier_keys_toggle(revised, value, sign, result):
    assert revised.scale.toggle_modifier(F(value), sign) == F(result)


def test_a_level_key_gives_the_plain_level(revised):
    assert [revised.scale.level_value(n) for n in (1, 2, 3, 4)] == [F(1), F(2), F(3), F(4)]
    with pytest.raises(ValueError, match="a modifier is"):
        revised.scale.toggle_modifier(F(3), "*")
