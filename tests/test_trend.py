"""An athlete's figures over sessions (sprintgait.trend): a session's value of each
metric from its reps, its noise, and whether a change exceeds it; worked by hand on
small reps."""
from __future__ import annotations

import math
from datetime import date

import pytest

from sprintgait.trend import Metric, Trend, TrendPoint, compare, rep_value, session_value


def _rep(contact_mean, n, cv_pct, *, asym=None, quality=None, at10=None, fly20=None, unc=0.05):
    return {"drill": "sprint", "rest": False, "quality": quality,
            "metrics": {"contact_s": {"n": n, "mean": contact_mean, "cv_pct": cv_pct},
                        "asymmetry_pct": {"contact_s": asym}},
            "splits": {"at": [] if at10 is None else [{"distance_m": 10.0, "time_s": at10, "uncertainty_s": unc}],
                       "flying": [] if fly20 is None else [{"window_m": 20.0, "time_s": fly20,
                                                            "uncertainty_s": unc}]}}


def test_a_mean_over_steps_and_its_standard_error():
    # 16 contacts of mean 0.120 s and CV 10%: SD 0.012 s, SE 0.012 / 4
    assert rep_value(_rep(0.120, 16, 10.0), Metric.CONTACT) == pytest.approx((0.120, 0.003, 16))
    # two reps pooled by steps: (0.1*10 + 0.13*30) / 40; SE sqrt((se1*10)^2 + (se2*30)^2) / 40
    v = session_value([_rep(0.100, 10, 10.0), _rep(0.130, 30, 10.0)], Metric.CONTACT)
    se1, se2 = 0.100 * 0.1 / math.sqrt(10), 0.130 * 0.1 / math.sqrt(30)
    assert v.value == pytest.approx(0.1225)
    assert v.noise == pytest.approx(math.sqrt((se1 * 10) ** 2 + (se2 * 30) ** 2) / 40)
    assert v.n_reps == 2


def test_asymmetry_is_its_size_with_the_noise_of_two_feet():
    # 2 * CV / sqrt(n): 2 * 8 / sqrt(16) = 4 percentage points
    assert rep_value(_rep(0.1, 16, 8.0, asym=-3.0), Metric.ASYMMETRY) == pytest.approx((3.0, 4.0, 16))
    assert rep_value(_rep(0.1, 16, 8.0), Metric.ASYMMETRY) is None


def test_split_times_take_the_best_rep_and_its_uncertainty():
    v = session_value([_rep(0.1, 4, 5, fly20=2.30, unc=0.06), _rep(0.1, 4, 5, fly20=2.20, unc=0.07)],
                      Metric.FLYING20)
    assert (v.value, v.noise, v.n_reps) == (2.20, 0.07, 2)
    assert session_value([_rep(0.1, 4, 5)], Metric.SPLIT10) is None


def test_quality_noise_is_unknown_with_one_rep():
    assert session_value([_rep(0.1, 4, 5, quality=80.0)], Metric.QUALITY).noise is None
    v = session_value([_rep(0.1, 4, 5, quality=80.0), _rep(0.1, 4, 5, quality=90.0)], Metric.QUALITY)
    assert v.value == 85.0 and v.noise == pytest.approx(math.sqrt(50.0) / math.sqrt(2))


def test_a_change_exceeds_the_noise_beyond_twice_the_se_of_the_difference():
    # SEs 3 and 4: the difference's is 5; 9.9 is within 2 * 5, 10.1 beyond
    assert compare(0.1099, 0.003, 0.100, 0.004).exceeds_noise is False
    assert compare(0.1101, 0.003, 0.100, 0.004).exceeds_noise is True
    assert compare(0.1101, None, 0.100, 0.004).exceeds_noise is None
    text = compare(0.090, 0.001, 0.100, 0.001).describe(Metric.CONTACT)
    assert text.startswith("-0.010 s, better, beyond the noise")
    assert "worse" in compare(0.090, 0.001, 0.100, 0.001).describe(Metric.STRIDE)


def test_a_trend_compares_the_latest_session_with_the_typical_one_before_it():
    pts = tuple(TrendPoint(i, date(2026, 1, 1 + 7 * i), v, 0.002, 1) for i, v in enumerate((0.130, 0.128, 0.126,
                                                                                            0.110)))
    t = Trend("A", Metric.CONTACT, "sprint", pts)
    assert t.best is pts[-1]
    assert t.typical() == pytest.approx((0.127, 1.25 * 0.002 / 2))
    ch = t.latest_change()
    ref_se = 1.25 * 0.002 / math.sqrt(3)
    assert ch.delta == pytest.approx(0.110 - 0.128)
    assert ch.noise == pytest.approx(math.hypot(0.002, ref_se)) and ch.exceeds_noise
    # weeks 0-3 against 130, 128, 126, 110 ms: sum((x - 1.5)(y - 123.5)) = -31 over sum((x - 1.5)^2) = 5
    assert t.slope_per_week() == pytest.approx(-0.0062)
    assert Trend("A", Metric.CONTACT, "sprint", pts[:1]).latest_change() is None
