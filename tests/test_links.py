"""Video links (issue 15, item 1): ICG Desk's own policy is the limit, a rubric only narrows it,
and the window opens only the strictly parsed address that the policy judged.

A crafted batch is made the way an attacker would: a demo batch whose stored rubric and video
links are rewritten with sqlite3, under every check ICG Desk itself would have made.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from icg_desk.cli import main
from icg_desk.models.batch_file import validate_batch
from icg_desk.models.cohort_file import validate_cohort
from icg_desk.models.rubric_file import RubricError, parse_rubric
from icg_desk.models.sqlite_file import DamagedFileError
from icg_desk.operations.batch_work import VideoView
from icg_desk.scoring.links import (
    BUILTIN_HOSTS,
    BUILTIN_LINKS,
    BUILTIN_SCHEMES,
    LinkPolicy,
    split_link,
)
from icg_desk.ui.entry_panel import EntryPanel, _VideoRow, checked_link
from icg_desk.ui.main_window import MainWindow
from icg_desk.ui.tasks import SyncTaskRunner

GOOD = (
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://youtu.be/dQw4w9WgXcQ",
    "https://youtu.be/dQw4w9WgXcQ?t=42",
    "https://youtube.com/watch?v=dQw4w9WgXcQ&t=1m30s&list=PLx1-_y",
    "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com/embed/dQw4w9WgXcQ",
    "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
    "https://www.youtube.com/shorts/dQw4w9WgXcQ",
    "https://www.youtube.com/live/dQw4w9WgXcQ?si=Ab_c-1",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ#t=30",
    "https://www.youtube.com:443/watch?v=dQw4w9WgXcQ",  # https's own port, said aloud
    "HTTPS://WWW.YOUTUBE.COM/watch?v=dQw4w9WgXcQ",  # the same address: both parsers lowercase
)

# Each with why it is refused; every one must stay shut in every layer.
HOSTILE = {
    "file on a share": "file://host/share/x.exe",
    "local file": "file:///etc/passwd",
    "smb": "smb://host/share/x.exe",
    "javascript": "javascript:alert(1)",
    "data": "data:text/html,<script>alert(1)</script>",
    "plain http": "http://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "another host": "https://vimeo.com/12345678",
    "look-alike host": "https://youtube.com.clips.example/watch?v=dQw4w9WgXcQ",
    "youtube open redirect": "https://www.youtube.com/redirect?q=https://evil.example/x.exe",
    "redirect with event": "https://www.youtube.com/redirect?event=video&q=https%3A%2F%2Fevil.example",
    "attribution redirect": "https://www.youtube.com/attribution_link?u=%2Fwatch%3Fv%3Dx",
    "another page of the site": "https://www.youtube.com/logout?continue=https://evil.example",
    "destination in a watch query": "https://www.youtube.com/watch?v=dQw4w9WgXcQ&q=https://evil.example",
    "watch without a video": "https://www.youtube.com/watch?list=PLx",
    "two videos": "https://www.youtube.com/watch?v=a&v=b",
    "userinfo": "https://www.youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
    "userinfo before the real host": "https://evil@www.youtube.com/watch?v=dQw4w9WgXcQ",
    "user and password": "https://user:pw@www.youtube.com/watch?v=dQw4w9WgXcQ",
    "odd port": "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
    "port 80 on https": "https://www.youtube.com:80/watch?v=dQw4w9WgXcQ",
    "trailing dot": "https://www.youtube.com./watch?v=dQw4w9WgXcQ",
    "IDN look-alike (Cyrillic o)": "https://www.y\u043eutube.com/watch?v=dQw4w9WgXcQ",
    "IDN look-alike as punycode": "https://www.xn--yutube-wqf.com/watch?v=dQw4w9WgXcQ",
    "fullwidth dot": "https://www\uff0eyoutube.com/watch?v=dQw4w9WgXcQ",
    "backslash host trick": "https://evil.example\\@www.youtube.com/watch?v=dQw4w9WgXcQ",
    "backslash path": "https://www.youtube.com\\redirect?q=https://evil.example",
    "encoded slash in the path": "https://www.youtube.com/watch%2F..%2Fredirect?q=x",
    "encoded dot in the host": "https://www.youtube%2Ecom/watch?v=dQw4w9WgXcQ",
    "encoded path": "https://youtu.be/%2F%2Fevil.example",
    "space": "https://www.youtube.com/watch?v=dQw4w9WgXcQ x",
    "newline": "https://www.youtube.com/\nwatch?v=dQw4w9WgXcQ",
    "tab in the scheme": "ht\ttps://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "no scheme": "//www.youtube.com/watch?v=dQw4w9WgXcQ",
    "bare host": "www.youtube.com/watch?v=dQw4w9WgXcQ",
    "empty": "",
    "unparseable": "https://[::1/",
    "very long": "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=" + "1" * 3000,
}


# --- the policy, without Qt -----------------------------------------------------------------


@pytest.mark.parametrize("url", GOOD)
def test_a_video_on_youtube_is_allowed(url: str) -> None:
    assert BUILTIN_LINKS.refusal(url, split_link(url)) is None
    assert BUILTIN_LINKS.allows(url)


@pytest.mark.parametrize("url", list(HOSTILE.values()), ids=list(HOSTILE))
def test_everything_else_is_refused_with_a_reason(url: str) -> None:
    reason = BUILTIN_LINKS.refusal(url, split_link(url))
    assert reason
    assert not BUILTIN_LINKS.allows(url)


def test_a_policy_wider_than_the_built_in_one_still_allows_nothing_more() -> None:
    # However a LinkPolicy comes to be made, the built-in policy is checked too.
    wide = LinkPolicy(
        schemes=frozenset({"https", "http", "file", "smb", "javascript"}),
        hosts=frozenset({"host", "vimeo.com", "evil.example", "www.youtube.com"}),
    )
    for url in HOSTILE.values():
        assert not wide.allows(url), url
    assert wide.allows("https://www.youtube.com/watch?v=dQw4w9WgXcQ")


def test_the_built_in_rubrics_list_exactly_the_built_in_policy(revised, pilot) -> None:
    for rubric in (revised, pilot):
        assert rubric.links.schemes == BUILTIN_SCHEMES
        assert rubric.links.hosts == BUILTIN_HOSTS


# --- a rubric may only narrow it ------------------------------------------------------------


def _with_links(revised, links: str) -> str:
    text = revised.source_text
    start = text.index("[links]")
    end = text.index("\n[", start + 1)
    return text[:start] + links + text[end:]


@pytest.mark.parametrize(
    ("links", "message"),
    [
        (
            'schemes = ["https", "file"]\nhosts = ["youtu.be"]',
            "r.toml: links.schemes: 'file' is not allowed: ICG Desk opens only https links",
        ),
        ('schemes = ["http"]\nhosts = ["youtu.be"]', "links.schemes: 'http' is not allowed"),
        ('schemes = ["smb"]\nhosts = ["host"]', "links.schemes: 'smb' is not allowed"),
        ('schemes = ["javascript"]\nhosts = []', "links.schemes: 'javascript' is not allowed"),
        (
            'schemes = ["https"]\nhosts = ["youtu.be", "vimeo.com"]',
            "r.toml: links.hosts: 'vimeo.com' is not allowed: ICG Desk opens links to "
            "m.youtube.com, www.youtube-nocookie.com, www.youtube.com, youtu.be, youtube.com; "
            "a rubric may only list fewer",
        ),
        ('schemes = ["https"]\nhosts = ["www.youtube.com."]', "'www.youtube.com.' is not"),
        ('schemes = ["https"]\nhosts = ["xn--yutube-wqf.com"]', "'xn--yutube-wqf.com' is not"),
    ],
)
def test_a_rubric_listing_more_than_the_built_in_policy_is_refused(revised, links, message):
    with pytest.raises(RubricError) as caught:
        parse_rubric(_with_links(revised, "[links]\n" + links + "\n"), "r.toml")
    assert message in str(caught.value)


def test_a_narrower_rubric_is_taken_and_narrows(revised) -> None:
    text = _with_links(revised, '[links]\nschemes = ["HTTPS"]\nhosts = ["YouTu.be"]\n')
    rubric = parse_rubric(text, "r.toml")
    assert rubric.links.hosts == frozenset({"youtu.be"})
    assert rubric.links.allows("https://youtu.be/dQw4w9WgXcQ")
    assert not rubric.links.allows("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    closed = parse_rubric(_with_links(revised, '[links]\nschemes = ["https"]\nhosts = []\n'), "r")
    assert not any(closed.links.allows(url) for url in GOOD)


# --- crafted batches and cohorts ------------------------------------------------------------

WIDE_LINKS = (
    '[links]\nschemes = ["https", "http", "file", "smb", "javascript"]\n'
    'hosts = ["youtube.com", "www.youtube.com", "youtu.be", "host", "vimeo.com"]\n'
)


def _craft(path: Path, revised, *, links: dict[str, str], rubric_links: str | None) -> Path:
    """Rewrite a batch's (or cohort's) stored rubric and the first entry's video links."""
    con = sqlite3.connect(path)
    try:
        if rubric_links is not None:
            table = "batch" if path.suffix == ".icgbatch" else "cohort"
            con.execute(
                f"UPDATE {table} SET rubric_text = ?", (_with_links(revised, rubric_links),)
            )
        if links and path.suffix == ".icgbatch":
            entry_id = con.execute(
                "SELECT e.id FROM entry e JOIN portfolio p ON p.id = e.portfolio_id "
                "ORDER BY p.position, e.number LIMIT 1"
            ).fetchone()[0]
            con.execute("DELETE FROM video_link WHERE entry_id = ?", (entry_id,))
            con.executemany(
                "INSERT INTO video_link (entry_id, position, label, url) VALUES (?, ?, ?, ?)",
                [(entry_id, i, label, url) for i, (label, url) in enumerate(links.items())],
            )
        con.commit()
    finally:
        con.close()
    return path


class Recorder:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: QUrl) -> bool:
        self.urls.append(url.toString())
        return True


@pytest.fixture
def desktop(monkeypatch) -> Recorder:
    """QDesktopServices.openUrl itself, watched: nothing may reach it however it is called."""
    recorder = Recorder()
    monkeypatch.setattr(QDesktopServices, "openUrl", recorder)
    return recorder


def _dialog_of(qtbot, action) -> tuple[str, str, str]:
    """Run `action`, which opens a modal message box: its title, text and details."""
    seen: list[tuple[str, str, str]] = []

    def close_it() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QMessageBox):
            QTimer.singleShot(10, close_it)
            return
        seen.append((dialog.windowTitle(), dialog.text(), dialog.detailedText()))
        dialog.close()

    QTimer.singleShot(0, close_it)
    action()
    qtbot.waitUntil(lambda: bool(seen))
    return seen[0]


def _scorer_window(qtbot, tmp_path: Path, opener: Recorder) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, open_url=opener, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


def test_a_batch_whose_rubric_widens_the_link_policy_is_not_opened(
    qtbot, tmp_path, demo_copies, revised, desktop
):
    batch = demo_copies.batch(tmp_path / "crafted.icgbatch", portfolios=2, seed=5, prefill=False)
    _craft(batch, revised, links=HOSTILE, rubric_links=WIDE_LINKS)
    before = batch.read_bytes()

    with pytest.raises(DamagedFileError, match=r"links\.schemes: 'http' is not allowed"):
        validate_batch(batch)

    opener = Recorder()
    window = _scorer_window(qtbot, tmp_path, opener)
    seen = _dialog_of(qtbot, lambda: window.open_batch(batch))
    assert seen[0] == "Cannot open batch"
    assert "links.schemes: 'http' is not allowed" in seen[2]  # under Details
    assert window.session is None
    assert window.findChildren(_VideoRow) == []
    assert opener.urls == []
    assert desktop.urls == []
    assert batch.read_bytes() == before


def test_a_cohort_whose_rubric_widens_the_link_policy_is_not_opened(tmp_path, demo_copies, revised):
    cohort = demo_copies.cohort(tmp_path / "c")
    _craft(cohort, revised, links={}, rubric_links=WIDE_LINKS)
    with pytest.raises(DamagedFileError, match=r"links\.schemes: 'http' is not allowed"):
        validate_cohort(cohort)


def test_a_rubric_file_that_widens_the_policy_makes_no_cohort(capsys, tmp_path, revised):
    rubric = tmp_path / "wide.toml"
    rubric.write_text(_with_links(revised, WIDE_LINKS), encoding="utf-8")
    code = 0
    try:
        code = main(
            [
                "cohort",
                "init",
                str(tmp_path / "c.icgcohort"),
                "--name",
                "S",
                "--rubric",
                str(rubric),
            ]
        )
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert "links.schemes: 'http' is not allowed" in err
    assert not (tmp_path / "c.icgcohort").exists()


def test_a_crafted_batch_gets_no_open_button_and_reaches_no_browser(
    qtbot, tmp_path, demo_copies, revised, desktop
):
    # The batch's own rubric is ICG Desk's; only the links were written in behind its back.
    links = {"good": GOOD[0], **HOSTILE}
    batch = demo_copies.batch(tmp_path / "crafted.icgbatch", portfolios=2, seed=5, prefill=False)
    _craft(batch, revised, links=links, rubric_links=None)
    opener = Recorder()
    window = _scorer_window(qtbot, tmp_path, opener)
    assert window.open_batch(batch)
    assert window.session is not None
    window.show_portfolio(window.session.work.portfolios()[0].id)
    window.entry_panel.set_current_entry(1)

    rows = window.entry_panel.findChildren(_VideoRow)
    by_label = {row.video.label: row for row in rows}
    assert set(by_label) == set(links)
    for label, row in by_label.items():
        if label == "good":
            assert row.open_button is not None
            continue
        assert row.open_button is None, label
        assert row.findChildren(QPushButton) == [], label
        assert row.open() is False, label
        assert row.status.text() == "not allowed — not opened", label
    assert opener.urls == []
    assert desktop.urls == []
    good = by_label["good"].open_button
    assert good is not None
    good.click()
    assert opener.urls == [GOOD[0]]


# --- the one door: the parsed QUrl is what is judged and what is opened ---------------------


@pytest.mark.parametrize("url", list(HOSTILE.values()), ids=list(HOSTILE))
def test_the_row_refuses_a_link_even_when_told_it_is_allowed(qtbot, desktop, url: str) -> None:
    # As if the operations layer had been fooled: the row judges the QUrl it would open.
    opener = Recorder()
    row = _VideoRow(VideoView("Clip", url, True), opener)
    qtbot.addWidget(row)
    assert checked_link(row.video)[0] is None
    assert row.open_button is None
    assert row.open() is False
    assert opener.urls == []
    assert desktop.urls == []


def test_the_row_judges_by_the_policy_it_is_given(qtbot) -> None:
    short_only = LinkPolicy(schemes=frozenset({"https"}), hosts=frozenset({"youtu.be"}))
    opener = Recorder()
    long_form = _VideoRow(VideoView("Clip", GOOD[0], True, short_only), opener)
    short = _VideoRow(VideoView("Clip", GOOD[1], True, short_only), opener)
    for row in (long_form, short):
        qtbot.addWidget(row)
    assert long_form.open_button is None
    assert long_form.open() is False
    assert short.open() is True
    assert opener.urls == [GOOD[1]]


@pytest.mark.parametrize("url", GOOD)
def test_what_is_opened_is_the_strictly_parsed_address(qtbot, url: str) -> None:
    opener = Recorder()
    row = _VideoRow(VideoView("Clip", url, True), opener)
    qtbot.addWidget(row)
    parsed, why_not = checked_link(row.video)
    assert why_not == ""
    assert parsed is not None
    assert row.open() is True
    assert opener.urls == [parsed.toString()]
    assert QUrl(opener.urls[0]).scheme() == "https"


def test_an_entry_panel_never_shows_a_button_for_a_refused_link(qtbot, desktop) -> None:
    from icg_desk.operations.batch_work import EntryView

    videos = tuple(VideoView(label, url, True) for label, url in HOSTILE.items())
    panel = EntryPanel(open_url=Recorder())
    qtbot.addWidget(panel)
    panel.show_entries([EntryView(1, "Entry", "Text.", 1, 3000, videos)])
    rows = panel.findChildren(_VideoRow)
    assert len(rows) == len(HOSTILE)
    assert all(row.open_button is None for row in rows)
    assert desktop.urls == []
