#!/usr/bin/env python3
"""Reference DFA alpha1 numbers for tests/dfa_reference.rs, computed independently of the Rust code.

Python 3 with numpy. Written from the words of the definition (the module documentation of
src/physiology/dfa.rs, which follows issue 11 and docs/science.md section 9), not from the Rust
source: dense matrices and numpy.linalg.solve for the detrending, numpy.polyfit for every
least-squares line, plain loops for the windows and the artifact rule.

The definition, restated:
  session RR sequence  every RR of every reading, in reading order, numbered from 0.
  windows              T = t0 + 120 s + k * 20 s; a window holds the RR of the readings with t
                       in (T - 120 s, T]. Readings are cut into stretches where two consecutive
                       readings are more than max_gap (10 s) apart or time goes backwards; a
                       window lies inside one stretch (T - 120 s >= its first reading, T <= its
                       last) and holds only that stretch's readings. Windows without RR are not
                       listed.
  artifacts            a beat outside 250..2000 ms is excluded. allowed change c = 25 % when the
                       median of the remaining beats is above 750 ms, else 5 %. The first beat
                       whose next (plausible) beat differs from it by at most c x beat is the
                       anchor (earlier beats excluded); after it a beat is excluded when
                       |rr - prev| > c x prev, prev = the previous accepted beat.
                       artifact_share = excluded / beats; reliable = alpha1 exists and share <= 5 %.
  alpha1               on the accepted beats x (at least 50): z = x - (I + 500^2 D2'D2)^-1 x;
                       y = cumsum(z - mean z); for n = 4..16, floor(N/n) boxes of n from the start
                       and as many from the end, each minus its least-squares line; F(n) = RMS of
                       all those residuals; alpha1 = slope of ln F on ln n. No alpha1 when the
                       RMS of z is below 1e-6 ms.
  window HR            60000 / mean accepted beat.
  thresholds           least-squares line of HR on alpha1 over reliable windows (>= 2, alpha1 not
                       all equal), at 0.75 and 0.5, reported when min(alpha1) - 0.05 <= value <=
                       max(alpha1) + 0.05.
  time in bands        each reliable window counts one step (20 s): > 0.75, 0.5..0.75, < 0.5.

Inputs and fixtures (tests/data/dfa/, see PROVENANCE.md there):
  * MIT-BIH records 100 and 1003 (tests/data/hrv/*.rr_ms.txt) made into sessions of readings:
    one reading per second, at t = 0, 1, 2, ... s, carrying the beats whose end (cumulative sum
    of the RR) lies in (t - 1 s, t]; RR quantised to 1/1024 s as a strap sends them
    (round(ms * 1.024) / 1.024, half up). A variant of record 100 with the readings of
    (600 s, 615 s] removed exercises the gap rule.
  * The RR of the FIT files with hrv messages (tests/data/real/garmin-*.fit), read by the
    standalone FIT walker of tests/data/real/PROVENANCE.md (no FIT library): alpha1 of the
    whole series as one window (with and without the artifact rule).
  * The simulated ramp tests/data/dfa/sim_ramp.session.json (written by the Rust simulator,
    see PROVENANCE.md): its windows and the HR at alpha1 0.75 and 0.5.

Run:            target/ref-venv/bin/python scripts/dfa_reference.py
Cross-check:    target/ref-venv/bin/python scripts/dfa_reference.py --cross-check
                (needs neurokit2 and nolds; prints agreement, writes nothing)
"""

import datetime
import json
import math
import os
import platform
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "dfa")
START = "2024-05-01T07:00:00Z"

WINDOW_MS = 120_000
STEP_MS = 20_000
MAX_GAP_MS = 10_000
LAMBDA = 500.0
BOXES = list(range(4, 17))
MIN_BEATS = 50
RR_LO, RR_HI = 250.0, 2000.0
CHANGE, LOW_HR_CHANGE, LOW_HR_MEDIAN = 0.05, 0.25, 750.0
MAX_SHARE = 0.05
REACH = 0.05
NO_FLUCTUATION = 1e-6


# ------------------------------------------------------------------------------------------------
# The definition.

def smoothness_priors_detrend(x):
    n = len(x)
    d2 = np.zeros((max(n - 2, 0), n))
    for k in range(n - 2):
        d2[k, k], d2[k, k + 1], d2[k, k + 2] = 1.0, -2.0, 1.0
    a = np.eye(n) + LAMBDA ** 2 * (d2.T @ d2)
    # Centring first is the same mathematically (D2 annihilates constants, so a constant is its
    # own trend) and keeps the dense solve's rounding at the level of the fluctuation.
    xc = x - x.mean()
    return xc - np.linalg.solve(a, xc)


def fluctuation(y, n):
    m = len(y) // n
    x = np.arange(n, dtype=float)
    residuals = []
    for i in range(m):
        for box in (y[i * n:(i + 1) * n], y[len(y) - (i + 1) * n:len(y) - i * n]):
            slope, intercept = np.polyfit(x, box, 1)
            residuals.append(box - (slope * x + intercept))
    r = np.concatenate(residuals)
    return math.sqrt(float(np.mean(r * r)))


def alpha1(beats):
    x = np.asarray(beats, dtype=float)
    if len(x) < MIN_BEATS or not np.all(np.isfinite(x)):
        return None
    z = smoothness_priors_detrend(x)
    if math.sqrt(float(np.mean(z * z))) < NO_FLUCTUATION:
        return None
    y = np.cumsum(z - z.mean())
    f = [fluctuation(y, n) for n in BOXES]
    if any(not (v > 0 and math.isfinite(v)) for v in f):
        return None
    return float(np.polyfit(np.log(BOXES), np.log(f), 1)[0])


def median(values):
    v = sorted(values)
    m = len(v)
    return v[m // 2] if m % 2 else (v[m // 2 - 1] + v[m // 2]) / 2.0


def artifact_rule(rr):
    """(accepted beats, excluded positions)."""
    ok = [math.isfinite(v) and RR_LO <= v <= RR_HI for v in rr]
    kept = [v for v, good in zip(rr, ok) if good]
    c = LOW_HR_CHANGE if kept and median(kept) > LOW_HR_MEDIAN else CHANGE
    accepted, excluded, prev = [], [], None
    for i, v in enumerate(rr):
        if not ok[i]:
            excluded.append(i)
        elif prev is None:
            nxt = next((rr[j] for j in range(i + 1, len(rr)) if ok[j]), None)
            if nxt is not None and abs(nxt - v) <= c * v:
                accepted.append(v)
                prev = v
            else:
                excluded.append(i)
        elif abs(v - prev) > c * prev:
            excluded.append(i)
        else:
            accepted.append(v)
            prev = v
    return accepted, excluded


def beats_result(rr):
    accepted, excluded = artifact_rule(rr)
    a = alpha1(accepted)
    share = len(excluded) / len(rr) if rr else 0.0
    return {
        "alpha1": a,
        "hr": 60000.0 / (sum(accepted) / len(accepted)) if accepted else None,
        "accepted": len(accepted),
        "excluded": excluded,
        "artifact_share": share,
        "reliable": a is not None and share <= MAX_SHARE,
    }


def iso(start, offset_ms):
    t0 = datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
    t = t0 + datetime.timedelta(milliseconds=offset_ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ("" if t.microsecond == 0 else ".%06d" % t.microsecond) + "Z"


def session_windows(start, readings, rr_all):
    """readings: [(t_ms, number of RR)] in order; rr_all: the session's RR sequence."""
    if not readings:
        return []
    first = []  # index of each reading's first RR
    count = 0
    for _, n in readings:
        first.append(count)
        count += n
    t = [r[0] for r in readings]
    origin = t[0]
    # Stretches.
    stretches, a = [], 0
    for i in range(1, len(t) + 1):
        if i == len(t) or t[i] < t[i - 1] or t[i] - t[i - 1] > MAX_GAP_MS:
            stretches.append((a, i - 1))
            a = i
    out = []
    for a, b in stretches:
        k = math.ceil((t[a] - origin) / STEP_MS)
        while True:
            end = origin + WINDOW_MS + k * STEP_MS
            if end > t[b]:
                break
            members = [i for i in range(a, b + 1) if end - WINDOW_MS < t[i] <= end]
            k += 1
            if not members:
                continue
            lo = first[members[0]]
            hi = first[members[-1]] + readings[members[-1]][1]
            if lo == hi:
                continue
            r = beats_result(rr_all[lo:hi])
            out.append({
                "end": iso(start, end),
                "alpha1": r["alpha1"],
                "hr": r["hr"],
                "beats": hi - lo,
                "first_beat": lo,
                "last_beat": hi,
                "excluded": [lo + j for j in r["excluded"]],
                "artifact_share": r["artifact_share"],
                "reliable": r["reliable"],
            })
    return out


def thresholds(windows):
    pts = [(w["alpha1"], w["hr"]) for w in windows if w["reliable"]]
    res = {"reliable_windows": len(pts)}
    if len(pts) < 2:
        missing = {"reason": "too_few_reliable_windows", "reliable": len(pts)}
        fit = None
    elif len(set(p[0] for p in pts)) == 1:
        missing = {"reason": "no_alpha1_spread", "reliable": len(pts)}
        fit = None
    else:
        a = np.array([p[0] for p in pts])
        h = np.array([p[1] for p in pts])
        slope, intercept = np.polyfit(a, h, 1)
        ss_res = float(np.sum((h - (intercept + slope * a)) ** 2))
        ss_tot = float(np.sum((h - h.mean()) ** 2))
        fit = {"slope": float(slope), "intercept": float(intercept),
               "r_squared": 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0}
        missing = None
    res["fit"] = fit
    res["fit_missing"] = missing
    for key, value in (("hr_at_alpha1_075", 0.75), ("hr_at_alpha1_050", 0.5)):
        if fit is None:
            res[key], res[key + "_missing"] = None, missing
            continue
        lowest = min(p[0] for p in pts)
        highest = max(p[0] for p in pts)
        if lowest - REACH > value:
            res[key], res[key + "_missing"] = None, {"reason": "not_reached_from_above",
                                                     "lowest_alpha1": lowest}
        elif highest + REACH < value:
            res[key], res[key + "_missing"] = None, {"reason": "not_reached_from_below",
                                                     "highest_alpha1": highest}
        else:
            res[key], res[key + "_missing"] = fit["intercept"] + fit["slope"] * value, None
    return res


def alpha1_time(windows):
    t = {"above_075_s": 0.0, "between_s": 0.0, "below_050_s": 0.0}
    for w in windows:
        if not w["reliable"]:
            continue
        key = "above_075_s" if w["alpha1"] > 0.75 else ("between_s" if w["alpha1"] >= 0.5 else "below_050_s")
        t[key] += STEP_MS / 1000.0
    return t


# ------------------------------------------------------------------------------------------------
# Inputs.

def quantise(ms):
    """The nearest 1/1024 s, as a strap sends RR (half up)."""
    return math.floor(ms * 1024.0 / 1000.0 + 0.5) * 1000.0 / 1024.0


def one_reading_per_second(rr):
    """[(t_ms, n)] and the RR sequence: reading s at s seconds carries the beats that ended in
    (s - 1, s] seconds."""
    ends, e = [], 0.0
    for v in rr:
        e += v
        ends.append(e)
    last = math.ceil(ends[-1] / 1000.0)
    readings, i = [], 0
    for s in range(0, last + 1):
        n = 0
        while i < len(ends) and ends[i] <= s * 1000.0:
            i += 1
            n += 1
        readings.append((s * 1000, n))
    return readings, list(rr)


def read_rr(path):
    with open(path) as f:
        return [float(line) for line in f if line.strip()]


def fit_rr(path):
    """Valid RR (ms) of the hrv messages (global 78, field 0, uint16, 0xFFFF invalid), by the
    walker of tests/data/real/PROVENANCE.md."""
    b = open(path, "rb").read()
    hs = b[0]
    ds = struct.unpack_from("<I", b, 4)[0]
    pos, end = hs, hs + ds
    defs, rr = {}, []
    while pos < end:
        h = b[pos]
        pos += 1
        if h & 0x80:
            d = defs[(h >> 5) & 3]
        elif h & 0x40:
            lm, dev = h & 0xF, h & 0x20
            en = ">" if b[pos + 1] == 1 else "<"
            g = struct.unpack_from(en + "H", b, pos + 2)[0]
            n = b[pos + 4]
            pos += 5
            fields = [(b[pos + 3 * i], b[pos + 3 * i + 1]) for i in range(n)]
            pos += 3 * n
            devsize = 0
            if dev:
                nd = b[pos]
                pos += 1
                devsize = sum(b[pos + 3 * i + 1] for i in range(nd))
                pos += 3 * nd
            defs[lm] = (g, en, fields, devsize)
            continue
        else:
            d = defs[h & 0xF]
        g, en, fields, devsize = d
        off = pos
        for num, size in fields:
            if g == 78 and num == 0:
                for k in range(size // 2):
                    v = struct.unpack_from(en + "H", b, off + 2 * k)[0]
                    if v != 0xFFFF and v != 0:
                        rr.append(v)
            off += size
        pos = off + devsize
    return rr


def provenance(inputs, how):
    return {
        "made_by": "scripts/dfa_reference.py",
        "command": "target/ref-venv/bin/python scripts/dfa_reference.py",
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "definition": "src/physiology/dfa.rs module documentation (issue 11; docs/science.md section 9)",
        "input": inputs,
        "how": how,
    }


def session_fixture(name, inputs, how, start, readings, rr):
    windows = session_windows(start, readings, rr)
    fixture = provenance(inputs, how)
    fixture.update({
        "case": name,
        "options": {"window_s": WINDOW_MS / 1000, "step_s": STEP_MS / 1000, "max_gap_s": MAX_GAP_MS / 1000},
        "session": {"start": start, "readings": [list(r) for r in readings], "rr_ms": rr},
        "rr_count": len(rr),
        "thresholds": thresholds(windows),
        "alpha1_time": alpha1_time(windows),
        "windows": windows,
    })
    return fixture


def write(name, fixture):
    path = os.path.join(OUT, name + ".reference.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    return os.path.relpath(path, ROOT)


def summary_line(name, fx):
    w = fx.get("windows", [])
    rel = sum(1 for x in w if x["reliable"])
    th = fx.get("thresholds", {})
    return "%s: %d windows, %d reliable, HR at 0.75 %s, at 0.5 %s" % (
        name, len(w), rel, th.get("hr_at_alpha1_075"), th.get("hr_at_alpha1_050"))


def main():
    os.makedirs(OUT, exist_ok=True)
    for record in ("mitdb100", "mitdb1003"):
        src = "tests/data/hrv/%s.rr_ms.txt" % record
        rr = [quantise(v) for v in read_rr(os.path.join(ROOT, src))]
        readings, seq = one_reading_per_second(rr)
        how = ("one reading per second at t = 0, 1, ... s from %s, carrying the beats whose end "
               "(cumulative sum of RR) lies in (t - 1 s, t]; RR quantised to 1/1024 s" % START)
        fx = session_fixture(record, [src], how, START, readings, seq)
        print(summary_line(record, fx), "->", write(record, fx))
        if record == "mitdb100":
            # The same with the readings of (600 s, 615 s] gone: a 16 s gap (over max_gap).
            kept, seq2, idx = [], [], 0
            for t, n in readings:
                beats = seq[idx:idx + n]
                idx += n
                if 600_000 < t <= 615_000:
                    continue
                kept.append((t, n))
                seq2.extend(beats)
            fx = session_fixture(record + "_gap", [src], how + "; then the readings with t in "
                                 "(600 s, 615 s] removed (a 16 s gap)", START, kept, seq2)
            print(summary_line(record + "_gap", fx), "->", write(record + "_gap", fx))

    for name in ("garmin-fenix-5-run", "garmin-fenix-5-walk", "garmin-edge-820-bike"):
        src = "tests/data/real/%s.fit" % name
        rr = fit_rr(os.path.join(ROOT, src))
        fx = provenance([src], "RR (ms) of the FIT hrv messages, by the FIT walker of "
                        "tests/data/real/PROVENANCE.md; the whole series as one window")
        fx.update({
            "case": name,
            "rr_ms": rr,
            "alpha1_without_artifact_rule": alpha1([float(v) for v in rr]),
            "whole_series": beats_result([float(v) for v in rr]),
        })
        r = fx["whole_series"]
        print("%s: %d RR, alpha1 %s (raw %s), HR %.1f, excluded %d -> %s" % (
            name, len(rr), r["alpha1"], fx["alpha1_without_artifact_rule"], r["hr"],
            len(r["excluded"]), write(name, fx)))

    ramp = os.path.join(OUT, "sim_ramp.session.json")
    if os.path.exists(ramp):
        with open(ramp) as f:
            s = json.load(f)
        readings = [(r[0], len(r[1])) for r in s["readings"]]
        seq = [v for r in s["readings"] for v in r[1]]
        fx = session_fixture("sim_ramp", ["tests/data/dfa/sim_ramp.session.json"],
                             s.get("how", "simulated ramp"), s["start"], readings, seq)
        print(summary_line("sim_ramp", fx), "->", write("sim_ramp", fx))
    else:
        print("no tests/data/dfa/sim_ramp.session.json: ramp fixture skipped")


# ------------------------------------------------------------------------------------------------
# Cross-check against neurokit2 and nolds (report only).

def cross_check():
    import neurokit2 as nk
    import nolds

    rr = [quantise(v) for v in read_rr(os.path.join(ROOT, "tests/data/hrv/mitdb100.rr_ms.txt"))]
    readings, seq = one_reading_per_second(rr)
    windows = [w for w in session_windows(START, readings, seq) if w["reliable"]]
    diffs_nk, diffs_nolds, diffs_fwd, nk_vs_fwd, nolds_vs_mean_sd = [], [], [], [], []
    for w in windows:
        accepted, _ = artifact_rule(seq[w["first_beat"]:w["last_beat"]])
        z = smoothness_priors_detrend(np.asarray(accepted, dtype=float))
        ours = w["alpha1"]
        # Our definition without the second (from the end) pass, and with F(n) the mean of the
        # boxes' residual RMS instead of the RMS of all residuals, to explain the differences.
        y = np.cumsum(z - z.mean())
        fwd, mean_sd = [], []
        for n in BOXES:
            m = len(y) // n
            x = np.arange(n, dtype=float)
            boxes = [y[i * n:(i + 1) * n] - np.polyval(np.polyfit(x, y[i * n:(i + 1) * n], 1), x)
                     for i in range(m)]
            fwd.append(math.sqrt(float(np.mean(np.concatenate(boxes) ** 2))))
            mean_sd.append(float(np.mean([math.sqrt(float(np.mean(b ** 2))) for b in boxes])))
        fwd_alpha = float(np.polyfit(np.log(BOXES), np.log(fwd), 1)[0])
        mean_sd_alpha = float(np.polyfit(np.log(BOXES), np.log(mean_sd), 1)[0])
        a_nk, _ = nk.fractal_dfa(z, scale=BOXES, overlap=False, integrate=True, order=1)
        a_nolds = nolds.dfa(z, nvals=BOXES, overlap=False, order=1, fit_trend="poly", fit_exp="poly")
        diffs_nk.append(a_nk - ours)
        diffs_nolds.append(a_nolds - ours)
        diffs_fwd.append(fwd_alpha - ours)
        nk_vs_fwd.append(a_nk - fwd_alpha)
        nolds_vs_mean_sd.append(a_nolds - mean_sd_alpha)
    print("On the %d reliable windows of mitdb100 (the same accepted, detrended beats given to each; "
          "boxes 4..16, order 1, no overlap):" % len(windows))
    for name, d in (("neurokit2 fractal_dfa - ours", diffs_nk),
                    ("nolds.dfa - ours", diffs_nolds),
                    ("ours start pass only - ours", diffs_fwd),
                    ("neurokit2 - ours start pass only", nk_vs_fwd),
                    ("nolds - start pass, F = mean box RMS", nolds_vs_mean_sd)):
        d = np.abs(np.array(d))
        print("  %-38s |difference| max %.3g, median %.3g" % (name, d.max(), np.median(d)))


if __name__ == "__main__":
    if "--cross-check" in sys.argv:
        cross_check()
    else:
        main()
