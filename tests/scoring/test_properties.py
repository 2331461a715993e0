"""Properties of the efficacy methods (hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring.core import Indicator, Scheme, recompute, score_scheme

COEFFS = st.sampled_from([[1.0, 0.9, 0.8], [1.0, 0.8, 0.6], [1.0, 0.8]])
VALUES = st.lists(st.integers(min_value=0, max_value=50) | st.floats(
    min_value=0, max_value=100, allow_nan=False, width=32), min_size=1, max_size=25)


def _score(values, coeffs, direction="higher", points=25.0, order=None):
    method = "efficacy3" if len(coeffs) == 3 else "efficacy2"
    leaf = Indicator("x", "n", points=points, method=method, direction=direction,
                     params={"coefficients": coeffs})
    scheme = Scheme(code="p", name="p", report_type="p", version="1", indicators=[leaf])
    units = [f"u{i}" for i in range(len(values))]
    frame = pd.DataFrame({"unit": units, "indicator": "x", "value": values})
    if order is not None:
        frame = frame.iloc[order].reset_index(drop=True)
    result = score_scheme(scheme, frame)
    return result, result.long.set_index("unit")["score_raw"]


@settings(max_examples=150, deadline=None)
@given(VALUES, COEFFS, st.sampled_from(["higher", "lower"]))
def test_scores_stay_within_lowest_coefficient_and_points(values, coeffs, direction):
    _, s = _score(values, coeffs, direction)
    assert (s >= coeffs[-1] * 25 - 1e-9).all() and (s <= 25 + 1e-9).all()


@settings(max_examples=150, deadline=None)
@given(VALUES, COEFFS, st.sampled_from(["higher", "lower"]))
def test_monotone_in_the_value(values, coeffs, direction):
    _, s = _score(values, coeffs, direction)
    pairs = sorted(zip(values, s[[f"u{i}" for i in range(len(values))]]), key=lambda p: p[0])
    scores = [p[1] for p in pairs]
    if direction == "lower":
        scores = scores[::-1]
    assert all(a <= b + 1e-9 for a, b in zip(scores, scores[1:]))


@settings(max_examples=100, deadline=None)
@given(VALUES, COEFFS, st.randoms(use_true_random=False))
def test_independent_of_the_order_of_units(values, coeffs, rnd):
    order = list(range(len(values)))
    rnd.shuffle(order)
    _, a = _score(values, coeffs)
    _, b = _score(values, coeffs, order=order)
    assert a.sort_index().round(12).equals(b.sort_index().round(12))


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=0, max_value=1e6, allow_nan=False), st.integers(1, 30), COEFFS)
def test_all_equal_values_give_full_points(value, n, coeffs):
    _, s = _score([value] * n, coeffs)
    assert (s == 25.0).all()


@settings(max_examples=100, deadline=None)
@given(VALUES, COEFFS, st.sampled_from(["higher", "lower"]))
def test_explanations_recompute_to_their_scores(values, coeffs, direction):
    result, _ = _score(values, coeffs, direction)
    for rec, score in zip(result.long.record, result.long.score):
        assert recompute(rec) == score
