#!/usr/bin/env python3
"""How often the readiness markers fire for a person whose mornings do not change at all.

A reference computation for docs/science.md §12 and §18 (plain Python 3, standard library only;
never run by the tests). It re-implements, independently of the Rust code, the rules of
src/physiology/baseline.rs and readiness.rs that can fire on noise alone:

- the normal range: mean +- k x SD (sample SD) of the checks in the 60 calendar days before the
  7-day window, given only with >= 14 checks there;
- rhr_elevated: the 7-day mean of resting HR without its highest morning is above the range
  (a 7-day mean needs >= 3 checks);
- rhr_trending_up: the least-squares slope of the checks of the last 14 days (>= 7 needed) is
  above 1.0 bpm a week AND the 7-day mean without its highest morning is >= 2.0 bpm above the
  range's mean;
- hrv_suppressed: the 7-day lnRMSSD mean without its lowest morning is below the range.

Daily values are independent and normal around a fixed mean: the person is perfectly stable, so
every signal is a false alarm. Resting HR and lnRMSSD are drawn independently of each other.

    python3 scripts/alarm-rates.py [TRIALS]     (default 20000 trials per row; a few minutes in all)
"""

import random
import statistics
import sys

RANGE_DAYS = 60
WINDOW_DAYS = 7
BASELINE_NEEDED = 14
MIN_WINDOW_CHECKS = 3
SLOPE_DAYS = 14
SLOPE_MIN_POINTS = 7
SLOPE_BPM_PER_WEEK = 1.0
RISE_BPM = 2.0


def slope_per_week(points):
    """Least-squares slope of (day, value) points, per week."""
    xs = [d for d, _ in points]
    ys = [v for _, v in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx * 7.0


def one_morning(rng, k, checks_per_week, rhr_sd, ln_sd):
    """The markers on the last day of a simulated history: (rhr marker, hrv marker), or None
    when the rules cannot judge (too few checks)."""
    days = RANGE_DAYS + WINDOW_DAYS
    checked = [rng.random() < checks_per_week / 7.0 for _ in range(days)]
    checked[-1] = True  # the morning being judged has a check
    rhr = [rng.gauss(55.0, rhr_sd) for _ in range(days)]
    ln = [rng.gauss(4.0, ln_sd) for _ in range(days)]
    base = [d for d in range(RANGE_DAYS) if checked[d]]
    window = [d for d in range(RANGE_DAYS, days) if checked[d]]
    if len(base) < BASELINE_NEEDED or len(window) < MIN_WINDOW_CHECKS:
        return None

    def band(values):
        vals = [values[d] for d in base]
        return statistics.fmean(vals), statistics.stdev(vals)

    r_mean, r_sd = band(rhr)
    l_mean, l_sd = band(ln)
    w_rhr = [rhr[d] for d in window]
    w_ln = [ln[d] for d in window]
    rhr_robust = (sum(w_rhr) - max(w_rhr)) / (len(w_rhr) - 1)
    ln_robust = (sum(w_ln) - min(w_ln)) / (len(w_ln) - 1)

    elevated = rhr_robust > r_mean + k * r_sd
    recent = [(d, rhr[d]) for d in range(days - SLOPE_DAYS, days) if checked[d]]
    trending = (
        len(recent) >= SLOPE_MIN_POINTS
        and slope_per_week(recent) > SLOPE_BPM_PER_WEEK
        and rhr_robust - r_mean >= RISE_BPM
    )
    suppressed = ln_robust < l_mean - k * l_sd
    return (elevated or trending, suppressed)


def main():
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    rng = random.Random(20261201)
    print(
        "k    checks/wk  RHR SD  |"
        " RHR marker  HRV marker  either (take it easy)  both (scale back)"
    )
    for k in (0.5, 1.0):
        for per_week in (7, 3):
            for rhr_sd in (2.0, 3.0, 5.0):
                counts = [0, 0, 0, 0]
                judged = 0
                for _ in range(trials):
                    m = one_morning(rng, k, per_week, rhr_sd, 0.3)
                    if m is None:
                        continue
                    judged += 1
                    rhr_m, hrv_m = m
                    counts[0] += rhr_m
                    counts[1] += hrv_m
                    counts[2] += rhr_m or hrv_m
                    counts[3] += rhr_m and hrv_m
                share = [c / judged for c in counts]
                print(
                    f"{k:<4} {per_week:>9}  {rhr_sd:>5.1f}   |"
                    f" {share[0]:>9.1%}  {share[1]:>10.1%}  {share[2]:>20.1%}  {share[3]:>17.2%}"
                )


if __name__ == "__main__":
    main()
