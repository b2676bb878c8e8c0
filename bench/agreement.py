"""Agreement, severity and drift of a cohort of 5,000 candidates, 2 reads each, 40 scorers.

Setup (untimed): `demo.agreement.build_agreement_cohort` writes the cohort as weekly merges
would leave it (8 weeks of scoring; one scorer a level high on 3 factors, one drifting a step a
week), so every figure has something to find.

Cohort agreement (the issue asks at most 3x): `cohort_agreement` on the file, everything the
command prints: opening the file (checked as every step opens it), reading the complete reads
(one query with each read's scores side by side) and the merge log's times (SQLite's json_each
over the logged changes), and every figure (per factor, per scorer, the cohort; exact, same
level, QWK, ordinal alpha, severity, adjusted severity with the rater model, their simultaneous
intervals, drift per week and its slope). The baseline is bare sqlite3 reading the same rows
(the assignments, the read_score rows one by one, the times with the same json_each query) and
NumPy computing the same figures for two reads per portfolio (bincount coincidence matrices,
the closed-form kappa, np.linalg.solve for the rater model); t critical values from the same
function (80 numbers). Both sides' figures are checked equal before timing.

Figures only: `agreement()` on the reads already in memory, against the same NumPy code on the
arrays already made: the statistics without the reading.
"""

from __future__ import annotations

import math
import shutil
import sqlite3
import statistics
import tempfile
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from bench.harness import Row, median_seconds
from icg_desk.demo.agreement import ScorerBias, build_agreement_cohort
from icg_desk.models.agreement import agreement_reads, cohort_agreement
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.scoring.agreement import Agreement, agreement, iso_week
from icg_desk.scoring.stats import t_quantile

CANDIDATES = 5_000
SCORERS = 40
READS = 2
WEEKS = 8
REPEAT = 5  # medians of 5 alternating runs: the figure is near the limit and machines are shared
BIASES = {
    "S-01": ScorerBias(levels_high=1, on_factors=3),
    "S-02": ScorerBias(steps_per_week=1),
}


class _Arrays:
    """The reads as NumPy arrays: two reads per portfolio, side by side."""

    def __init__(
        self, rows: list[tuple[str, str, list[int], int | None]], scale_steps: int, levels: Any
    ) -> None:
        by_portfolio: dict[str, list[tuple[str, list[int], int | None]]] = defaultdict(list)
        for scorer, code, steps, week in rows:
            by_portfolio[code].append((scorer, steps, week))
        pairs = [g for g in by_portfolio.values() if len(g) == 2]
        self.scorers = sorted({s for s, *_ in rows})
        index = {s: i for i, s in enumerate(self.scorers)}
        self.sa = np.array([index[g[0][0]] for g in pairs])
        self.sb = np.array([index[g[1][0]] for g in pairs])
        self.a = np.array([g[0][1] for g in pairs])  # steps, portfolios x factors
        self.b = np.array([g[1][1] for g in pairs])
        self.wa = np.array([-1 if g[0][2] is None else g[0][2] for g in pairs])
        self.wb = np.array([-1 if g[1][2] is None else g[1][2] for g in pairs])
        self.v = scale_steps
        self.levels = levels


def _kappa(x: Any, y: Any) -> float:
    xd, yd = x.astype(float), y.astype(float)
    expected = xd.var() + yd.var() + (xd.mean() - yd.mean()) ** 2
    return float(1 - ((xd - yd) ** 2).mean() / expected)


def _alpha(o: Any) -> float:
    """Ordinal alpha from a coincidence matrix over the steps (values in order)."""
    n_c = o.sum(axis=1)
    n = n_c.sum()
    cum = np.concatenate([[0.0], np.cumsum(n_c)])
    i = np.arange(len(n_c))
    lo, hi = np.minimum.outer(i, i), np.maximum.outer(i, i)
    delta = (cum[hi + 1] - cum[lo] - (n_c[:, None] + n_c[None, :]) / 2) ** 2
    return float(1 - (n - 1) * (o * delta).sum() / (np.outer(n_c, n_c) * delta).sum())


def _bare_figures(arr: _Arrays, whole: Any, confidence: float = 0.95) -> dict[str, Any]:
    """The same figures with NumPy, for portfolios read twice."""
    v, f = arr.v, arr.a.shape[1]
    out: dict[str, Any] = {"factors": []}
    x = np.concatenate([arr.a, arr.b])  # both orders
    y = np.concatenate([arr.b, arr.a])
    for k in range(f):
        o = np.bincount(x[:, k] * v + y[:, k], minlength=v * v).reshape(v, v)
        out["factors"].append(
            (
                float((arr.a[:, k] == arr.b[:, k]).mean()),
                float((arr.levels[arr.a[:, k]] == arr.levels[arr.b[:, k]]).mean()),
                _kappa(whole[x[:, k]], whole[y[:, k]]),
                _alpha(o.astype(float)),
            )
        )
    o_all = np.bincount((x * v + y).ravel(), minlength=v * v).reshape(v, v).astype(float)
    out["cohort"] = (
        float((arr.a == arr.b).mean()),
        float((arr.levels[arr.a] == arr.levels[arr.b]).mean()),
        _kappa(whole[x].ravel(), whole[y].ravel()),
        _alpha(o_all),
    )
    # Per scorer: own -> other pairs.
    s_count = len(arr.scorers)
    owner = np.concatenate([arr.sa, arr.sb])
    partner = np.concatenate([arr.sb, arr.sa])
    keys = (owner[:, None] * v + x) * v + y
    per = np.bincount(keys.ravel(), minlength=s_count * v * v).reshape(s_count, v, v)
    scorer_figures = []
    for s in range(s_count):
        m = per[s].astype(float)
        total = m.sum()
        same = np.trace(m)
        lv = arr.levels
        adj = m[lv[:, None] == lv[None, :]].sum()
        rows_, cols_ = m.sum(axis=1), m.sum(axis=0)
        wv = whole.astype(float)
        mean_r, mean_c = (rows_ * wv).sum() / total, (cols_ * wv).sum() / total
        var_r = (rows_ * (wv - mean_r) ** 2).sum() / total
        var_c = (cols_ * (wv - mean_c) ** 2).sum() / total
        obs = (m * (wv[:, None] - wv[None, :]) ** 2).sum() / total
        kappa = 1 - obs / (var_r + var_c + (mean_r - mean_c) ** 2)
        scorer_figures.append((same / total, adj / total, kappa, _alpha(m + m.T)))
    out["scorers"] = scorer_figures
    # Severity: per read difference, over the factors, in points.
    unit = 4.0
    d = (whole[x].sum(axis=1) - whole[y].sum(axis=1)) / (unit * f)
    n_s = np.bincount(owner, minlength=s_count)
    mean = np.bincount(owner, weights=d, minlength=s_count) / n_s
    sq = np.bincount(owner, weights=(d - mean[owner]) ** 2, minlength=s_count)
    sd = np.sqrt(sq / (n_s - 1))
    level = 1 - (1 - confidence) / s_count
    tq = np.array([t_quantile((1 + level) / 2, n - 1) for n in n_s])
    out["severity"] = (mean, mean - tq * sd / np.sqrt(n_s), mean + tq * sd / np.sqrt(n_s))
    by_factor = np.stack(
        [
            np.bincount(owner, weights=(whole[x[:, k]] - whole[y[:, k]]) / unit, minlength=s_count)
            / n_s
            for k in range(f)
        ],
        axis=1,
    )
    out["by_factor"] = by_factor
    # The rater model: b_s + c_s (week - mean week), pinned, solved, from the median.
    week = np.concatenate([arr.wa, arr.wb]).astype(float)
    mean_w = np.bincount(owner, weights=week, minlength=s_count) / n_s
    dx = week - mean_w[owner]
    sxx = np.bincount(owner, weights=dx**2, minlength=s_count)
    raw_c = np.bincount(owner, weights=dx * d, minlength=s_count) / sxx
    w_m = np.zeros((s_count, s_count))
    np.add.at(w_m, (owner, partner), 1.0 / n_s[owner])
    u_m = np.zeros((s_count, s_count))
    np.add.at(u_m, (owner, partner), (week - mean_w[partner]) / n_s[owner])
    p_m = np.zeros((s_count, s_count))
    np.add.at(p_m, (owner, partner), dx / sxx[owner])
    q_m = np.zeros((s_count, s_count))
    np.add.at(q_m, (owner, partner), dx * (week - mean_w[partner]) / sxx[owner])
    pin = np.tile(n_s / n_s.sum(), (s_count, 1))
    system = np.block([[np.eye(s_count) - w_m + pin, -u_m], [-p_m, np.eye(s_count) - q_m + pin]])
    z = np.linalg.solve(system, np.concatenate([mean, raw_c]))
    b, c = z[:s_count], z[s_count:]
    adjusted = d + b[partner] + c[partner] * (week - mean_w[partner]) - np.median(b)
    adjusted -= np.median(c) * dx
    a_mean = np.bincount(owner, weights=adjusted, minlength=s_count) / n_s
    a_sq = np.bincount(owner, weights=(adjusted - a_mean[owner]) ** 2, minlength=s_count)
    a_half = tq * np.sqrt(a_sq / (n_s - 1)) / np.sqrt(n_s)
    out["adjusted"] = (a_mean, a_mean - a_half, a_mean + a_half)
    slope = np.bincount(owner, weights=dx * adjusted, minlength=s_count) / sxx
    intercept = a_mean - slope * mean_w
    resid = np.bincount(
        owner, weights=(adjusted - intercept[owner] - slope[owner] * week) ** 2, minlength=s_count
    )
    tq2 = np.array([t_quantile((1 + level) / 2, n - 2) for n in n_s])
    s_half = tq2 * np.sqrt(resid / (n_s - 2) / sxx)
    out["slope"] = (slope, slope - s_half, slope + s_half)
    weeks_n = int(week.max()) + 1
    cell = owner * weeks_n + week.astype(int)
    counts = np.bincount(cell, minlength=s_count * weeks_n)
    sums = np.bincount(cell, weights=d, minlength=s_count * weeks_n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["weekly"] = (sums / counts).reshape(s_count, weeks_n)
    return out


def _bare_read(path: Path, rubric_steps: dict[str, int], keys: list[str]) -> list[Any]:
    """The complete reads with sqlite3: (scorer, code, steps per factor, week number)."""
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        assignments = {
            aid: (code, scorer)
            for aid, code, scorer in con.execute(
                "SELECT a.id, c.code, s.scorer_id FROM assignment a "
                "JOIN candidate c ON c.id = a.candidate_ref JOIN scorer s ON s.id = a.scorer_ref "
                "WHERE a.kind = 'read' AND a.candidate_ref NOT IN "
                "(SELECT candidate_ref FROM withdrawal)"
            )
        }
        scores: dict[int, dict[str, int]] = defaultdict(dict)
        for aid, key, text in con.execute(
            "SELECT assignment_ref, factor_key, score FROM read_score WHERE score IS NOT NULL"
        ):
            scores[aid][key] = rubric_steps[text]
        times: dict[tuple[str, str], str] = dict(
            ((scorer, code), moment)
            for scorer, code, moment in con.execute(
                "SELECT m.scorer_id, json_extract(j.value, '$[0]'), "
                "max(coalesce(m.scores_as_of, m.at)) FROM merge_log m, json_each(m.changes) j "
                "WHERE m.outcome IN ('accepted', 'replaced') AND m.scorer_id IS NOT NULL "
                "GROUP BY 1, 2"
            )
        )
    finally:
        con.close()
    mondays = {t: iso_week(datetime.fromisoformat(t))[1] for t in set(times.values())}
    first = min(mondays.values())
    rows = []
    for aid, (code, scorer) in assignments.items():
        got = scores.get(aid, {})
        if len(got) == len(keys):
            t = times.get((scorer, code))
            week = None if t is None else (mondays[t] - first).days // 7
            rows.append((scorer, code, [got[k] for k in keys], week))
    return rows


def _check_same(ours: Agreement, bare: dict[str, Any], keys: list[str]) -> None:
    """Both sides computed the same figures (to float rounding)."""

    def close(a: float | Fraction | None, b: float) -> bool:
        return a is not None and math.isclose(float(a), b, rel_tol=1e-9, abs_tol=1e-9)

    def same(figures: Any, expected: Any) -> bool:
        mine = (figures.exact, figures.adjacent, figures.kappa, figures.alpha)
        return all(close(o, b) for o, b in zip(mine, expected, strict=True))

    assert same(ours.cohort, bare["cohort"])
    for key, figures in zip(keys, bare["factors"], strict=True):
        assert same(ours.factors[key], figures), key
    for i, s in enumerate(ours.scorers):
        assert same(s.figures, bare["scorers"][i]), s.scorer_id
        for estimate, (value, low, high) in (
            (s.severity, bare["severity"]),
            (s.adjusted, bare["adjusted"]),
            (s.drift.slope, bare["slope"]),
        ):
            assert estimate is not None, s.scorer_id
            assert close(estimate.value, value[i]), s.scorer_id
            assert close(estimate.low, low[i]), s.scorer_id
            assert close(estimate.high, high[i]), s.scorer_id
        for k, key in enumerate(keys):
            assert close(s.severity_by_factor[key], bare["by_factor"][i, k]), s.scorer_id


def rows() -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="icg-bench-agreement-"))
    try:
        path = build_agreement_cohort(
            folder / "agreement.icgcohort",
            candidates=CANDIDATES,
            scorers=SCORERS,
            reads=READS,
            weeks=WEEKS,
            biases=BIASES,
        )
        rubric = builtin_rubric()
        keys = list(rubric.factor_keys)
        values = [v.value for v in rubric.scale.values]
        steps = {}
        for i, value in enumerate(values):
            exact = Decimal(value.numerator) / Decimal(value.denominator)
            steps[f"{exact:.2f}"] = i
        whole = np.array([int(v * 4) for v in values])
        levels = np.array([v.level for v in rubric.scale.values])

        def ours_whole() -> Agreement:
            with CohortFile.open(path) as cohort:
                return cohort_agreement(cohort).figures

        def bare_whole() -> dict[str, Any]:
            rows_ = _bare_read(path, steps, keys)
            return _bare_figures(_Arrays(rows_, len(values), levels), whole)

        found = ours_whole()
        assert [s.scorer_id for s in found.scorers if s.severe_or_lenient] == ["S-01"]
        assert "S-02" in [s.scorer_id for s in found.scorers if s.drift.drifting]
        _check_same(found, bare_whole(), keys)

        with CohortFile.open(path) as cohort, cohort.reading() as session:
            reads = agreement_reads(session, rubric, cohort)
        arrays = _Arrays(_bare_read(path, steps, keys), len(values), levels)

        whole_times, bare_times, figure_times, bare_figure_times = [], [], [], []
        for _ in range(REPEAT):  # alternating, so a busy neighbour slows both alike
            whole_times.append(median_seconds(ours_whole, repeat=1))
            bare_times.append(median_seconds(bare_whole, repeat=1))
            figure_times.append(
                median_seconds(lambda: agreement(reads, keys, rubric.scale), repeat=1)
            )
            bare_figure_times.append(median_seconds(lambda: _bare_figures(arrays, whole), repeat=1))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    label = f"{CANDIDATES:,} candidates x {READS} reads, {SCORERS} scorers"
    return [
        Row(
            f"cohort agreement, {label} (the issue asks at most 3x)",
            statistics.median(whole_times),
            statistics.median(bare_times),
            "s",
            "bare sqlite3 SELECTs of the same rows + NumPy computing the same figures",
        ),
        Row(
            f"agreement figures only, {label}, reads in memory",
            statistics.median(figure_times),
            statistics.median(bare_figure_times),
            "s",
            "NumPy computing the same figures from arrays already made",
        ),
    ]


if __name__ == "__main__":
    from bench.harness import render

    print(render(rows()))
