"""The command line: `icg-desk calc` and `icg-desk demo`."""

import json
import subprocess
import sys

import pytest
from sqlalchemy import select

from icg_desk.cli import main
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.schema import Portfolio


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_calc_json_prints_exactly_one_object(capsys):
    code, out, err = run(capsys, "calc", "3", "3+", "2-", "4", "3", "3", "2+", "--json")
    assert code == 0
    assert err == ""
    assert json.loads(out) == {
        "factors": [
            {"key": "impact_cycle", "score": "3.00"},
            {"key": "playbook", "score": "3.25"},
            {"key": "data", "score": "1.75"},
            {"key": "communication", "score": "4.00"},
            {"key": "partnership", "score": "3.00"},
            {"key": "leadership", "score": "3.00"},
            {"key": "system_support", "score": "2.25"},
        ],
        "overall": "2.89",
        "certified": True,
        "retake": [],
        "below_accomplished": ["data", "system_support"],
    }
    assert out.count("\n") == 1


def test_calc_json_for_a_retake(capsys):
    code, out, _ = run(capsys, "calc", "4", "4", "1+", "4", "4", "4", "1", "--json")
    result = json.loads(out)
    assert code == 0
    assert result["certified"] is False
    assert result["retake"] == ["data", "system_support"]
    assert result["overall"] == "3.18"  # 22.25 / 7


def test_calc_prints_levels_decision_and_retake_targets(capsys):
    code, out, _ = run(capsys, "calc", "3", "3", "1+", "3", "3", "3", "3")
    assert code == 0
    lines = out.splitlines()
    assert any(
        line.split() == ["Data", "1.25", "1", "-", "Little", "or", "no", "evidence", "retake"]
        for line in lines
    )
    assert any(line.split()[:2] == ["Overall", "2.75"] for line in lines)
    assert "Decision: Not certified" in lines
    assert "  - Data 1.25 is below the factor floor 1.75" in lines
    assert "  Retake Data: needs 2- (1.75) or higher to certify" in lines


def test_calc_on_the_pilot_rubric(capsys):
    code, out, _ = run(capsys, "calc", *["3"] * 7, "--rubric", "icg-pilot", "--json")
    assert code == 0
    assert json.loads(out)["certified"] is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["3"] * 6, "one per factor in this order: Impact Cycle, Instructional Playbook"),
        (["3"] * 8, "got 8"),
        (["3", "3", "3", "5", "3", "3", "3"], "score 4 (Communication): '5' is not on the scale"),
        (["3", "3", "2.6", "3", "3", "3", "3"], "score 3 (Data): '2.6' is not on the scale"),
        (["abc", "3", "3", "3", "3", "3", "3"], "score 1 (Impact Cycle): 'abc' is not a score"),
        (["3", "3", "3", "3", "3", "3", "3++"], "score 7 (System Support): '3++' is not a score"),
        (["3"] * 7 + ["--rubric", "icg-1999"], "no rubric edition 'icg-1999'"),
    ],
)
def test_calc_bad_input_exits_2_naming_the_argument(capsys, argv, message):
    code, out, err = run(capsys, "calc", *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("icg-desk calc: error: ")
    assert message in err
    assert "Traceback" not in err


def test_calc_lists_what_is_allowed(capsys):
    _, _, err = run(capsys, "calc", "3", "3", "3", "3", "3", "3", "4.5")
    assert "1-, 1, 1+, 2-, 2, 2+, 3-, 3, 3+, 4-, 4, 4+" in err


def test_the_installed_command_and_python_m_agree(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "icg_desk", "calc", "3", "3", "3", "5", "3", "3", "3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "score 4 (Communication): '5' is not on the scale" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_writes_a_batch_the_models_open(capsys, tmp_path):
    out = tmp_path / "x.icgbatch"
    code, stdout, _ = run(capsys, "demo", "--no-gui", "--portfolios", "5", "--out", str(out))
    assert code == 0
    assert str(out) in stdout
    with BatchFile.open(out) as batch:
        assert batch.identity.rubric_edition == "icg-revised"


def test_demo_defaults_to_the_data_folder_and_keeps_work_done_in_it(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ICG_DESK_DATA", str(tmp_path / "data"))
    code, stdout, _ = run(capsys, "demo", "--no-gui", "--portfolios", "2")
    demo = tmp_path / "data" / "demo.icgbatch"
    assert code == 0
    assert demo.is_file()
    before = demo.read_bytes()
    code, stdout, _ = run(capsys, "demo", "--no-gui", "--portfolios", "2")
    assert code == 0
    assert "Opening your demo batch" in stdout
    assert demo.read_bytes() == before  # a second `make run` keeps the scorer's demo work
    code, stdout, _ = run(capsys, "demo", "--no-gui", "--portfolios", "3", "--fresh")
    with BatchFile.open(demo) as batch, batch.reading() as session:
        assert len(session.scalars(select(Portfolio)).all()) == 3


def test_demo_never_overwrites_a_named_file_unasked(capsys, tmp_path):
    out = tmp_path / "mine.icgbatch"
    out.write_text("my notes")
    code, _, err = run(capsys, "demo", "--no-gui", "--out", str(out))
    assert code == 2
    assert "already exists; add --fresh to replace it" in err
    assert out.read_text() == "my notes"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--portfolios", "0"], "argument --portfolios: 0 is out of range (1 to 100000)"),
        (["--portfolios", "many"], "argument --portfolios: 'many' is not a whole number"),
        (["--rubric", "nope"], "no rubric edition 'nope'"),
    ],
)
def test_demo_bad_arguments_exit_2(capsys, tmp_path, argv, message):
    code, _, err = run(capsys, "demo", "--no-gui", "--out", str(tmp_path / "d.icgbatch"), *argv)
    assert code == 2
    assert message in err


def test_demo_refuses_a_folder_as_its_output(capsys, tmp_path):
    code, _, err = run(capsys, "demo", "--no-gui", "--out", str(tmp_path))
    assert code == 2
    assert f"--out {tmp_path}: is a folder" in err


def test_help_lists_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "calc" in out
    assert "demo" in out
    assert "open" in out


def test_open_a_missing_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "open", str(tmp_path / "nope.icgbatch"))
    assert code == 2
    assert "nope.icgbatch: no such batch file" in err
