"""Which video links ICG Desk will ever open: pure rules, no Qt, no files.

A link is untrusted text from a candidate's roster row, carried in a batch. ICG Desk's own policy
(`BUILTIN_LINKS`) is the limit: https only, YouTube's own hosts only, and only the address of a
video (a redirect such as `/redirect?q=...` or `/attribution_link?u=...` is not a video, it is a
way to reach any other site). A rubric's `[links]` may list fewer schemes or hosts, never more:
`icg_desk.models.rubric_file` refuses a rubric that lists anything else, and `LinkPolicy.refusal`
checks the built-in limit again whatever policy it is given.

The rules take the parts of an address as a parser split them (`LinkParts`), so the window can
check the very parts of the `QUrl` it will open, and everything else the parts `urlsplit` gives;
the text itself is checked too (`text_refusal`), since two parsers may split odd text differently.

Decisions, each tested in tests/test_links.py:
- the scheme and host compare lowercased (both parsers lowercase them; `HTTPS://YouTube.com` is
  the same address); a trailing dot (`youtube.com.`) is another name, refused;
- user info (`user@host`) is refused: it is how an address disguises its real host;
- a port is refused unless it is https's own, 443;
- the text must be printable ASCII without a backslash: no spaces or control characters, no
  international (IDN) look-alike host in any spelling (a punycode `xn--` host is not on the list
  either), no backslash that a browser would read as a slash;
- the path must be one of a video's: `/watch` (with `v`), `/embed/ID`, `/shorts/ID`, `/live/ID`,
  `/v/ID` on YouTube's hosts, `/ID` on youtu.be; an ID is letters, digits, `-` and `_`, so a
  percent-encoded slash or dot in a path never matches;
- query keys that name a destination (`q`, `url`, `continue`, ...) are refused even on a video.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

HTTPS = "https"
BUILTIN_SCHEMES = frozenset({HTTPS})
YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "www.youtube-nocookie.com"}
)
SHORT_HOSTS = frozenset({"youtu.be"})
BUILTIN_HOSTS = YOUTUBE_HOSTS | SHORT_HOSTS
MAX_LINK_CHARS = 2000

_ID = r"[A-Za-z0-9_-]{1,64}"
_VIDEO_PATH = re.compile(rf"/(?:watch|(?:embed|shorts|live|v)/{_ID})/?")
_SHORT_PATH = re.compile(rf"/{_ID}/?")
_VIDEO_ID = re.compile(_ID)
_QUERY_KEY = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_FRAGMENT = re.compile(r"[A-Za-z0-9_.=&:-]{0,64}")
# A parameter that names where to go next: an open redirect, never part of a video's address.
_DESTINATION_KEYS = frozenset(
    {"q", "u", "url", "uri", "continue", "next", "redirect", "redirect_uri", "return", "dest"}
)


@dataclass(frozen=True)
class LinkParts:
    """An address as a parser split it. `host` is as the parser gives it (lowercased, ASCII);
    `port` is None when the address names none; `path`, `query` and `fragment` are encoded."""

    scheme: str
    userinfo: str
    host: str
    port: int | None
    path: str
    query: str
    fragment: str


def text_refusal(text: str) -> str | None:
    """Why this text cannot be a link ICG Desk opens, whatever a parser makes of it; or None."""
    if not text:
        return "the address is empty"
    if len(text) > MAX_LINK_CHARS:
        return f"the address is longer than {MAX_LINK_CHARS:,} characters"
    if any(not "!" <= ch <= "~" for ch in text):
        return "the address holds a space, a control character or a non-ASCII letter"
    if "\\" in text:
        return "the address holds a backslash"
    return None


def split_link(text: str) -> LinkParts | None:
    """The parts of `text` as Python's `urlsplit` gives them; None when it cannot split it."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if hostport.startswith("["):
        host = hostport.partition("]")[0] + "]"
    else:
        host = hostport.partition(":")[0]
    return LinkParts(
        scheme=parts.scheme.lower(),
        userinfo=userinfo if at else "",
        host=host.lower(),
        port=port,
        path=parts.path,
        query=parts.query,
        fragment=parts.fragment,
    )


@dataclass(frozen=True)
class LinkPolicy:
    """Which video links a scorer may open; the links themselves are untrusted text.

    Whatever sets are given, only what `BUILTIN_LINKS` allows too is ever allowed.
    """

    schemes: frozenset[str]
    hosts: frozenset[str]

    def refusal(self, text: str, parts: LinkParts | None) -> str | None:
        """Why the link `text`, split into `parts`, is not opened; None when it may be."""
        problem = text_refusal(text)
        if problem is not None:
            return problem
        if parts is None:
            return "the address cannot be read"
        scheme = parts.scheme.lower()
        if scheme not in self.schemes or scheme not in BUILTIN_SCHEMES:
            return "only https addresses are opened"
        if parts.userinfo:
            return "the address names a user before its host"
        host = parts.host.lower()
        if host not in self.hosts or host not in BUILTIN_HOSTS:
            return f"{host or 'no host'} is not one of the video sites the rubric allows"
        if parts.port is not None and parts.port != 443:
            return f"the address names port {parts.port}"
        return _video_refusal(host, parts)

    def allows(self, url: str) -> bool:
        return self.refusal(url, split_link(url)) is None


def _video_refusal(host: str, parts: LinkParts) -> str | None:
    path_pattern = _SHORT_PATH if host in SHORT_HOSTS else _VIDEO_PATH
    if not path_pattern.fullmatch(parts.path):
        return "the address is not a video's (a redirect or another page of the site)"
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        return "the address's query cannot be read"
    keys = [key for key, _ in pairs]
    if any(not _QUERY_KEY.fullmatch(key) for key in keys):
        return "the address's query has an odd parameter name"
    if _DESTINATION_KEYS & {key.lower() for key in keys}:
        return "the address's query names another destination (a redirect)"
    if parts.path.startswith("/watch"):
        videos = [value for key, value in pairs if key == "v"]
        if len(videos) != 1 or not _VIDEO_ID.fullmatch(videos[0]):
            return "the address names no single video (watch?v=...)"
    if not _FRAGMENT.fullmatch(parts.fragment):
        return "the address's fragment is not a time or a position"
    return None


# The limit every rubric is held to; the built-in rubrics list exactly these.
BUILTIN_LINKS = LinkPolicy(schemes=BUILTIN_SCHEMES, hosts=BUILTIN_HOSTS)
