#!/usr/bin/env python3
"""Reference HRV numbers for tests/hrv_reference.rs, computed independently of the Rust code.

Plain Python 3, standard library only (math, statistics, json). For each RR series in
tests/data/hrv/<record>.rr_ms.txt (one interval in ms per line), it

1. applies the acceptance rule documented in src/physiology/hrv.rs (module docs, "Cleaning"),
   written out again here from the words, not translated from the Rust:
   an interval is accepted when
     a. 300 <= rr <= 2000 (finite);
     b. |rr - median| <= 0.2 * median, the median over the in-range intervals among the
        5 before, itself and the 5 after (statistics.median: an even count takes the mean of
        the two middle values);
     c. |rr - prev| <= 0.2 * prev, prev = the last accepted interval, if it lies at most
        5 positions back (otherwise rule c does not apply). When c fails, whichever of the two
        lies farther from its own local median (|rr - median| / median) is rejected, the newer
        one on a tie; if that is prev, prev is taken back and rr is compared again with the
        accepted interval before it;
2. computes the Task Force 1996 (Eur Heart J 17:354) time-domain metrics of the accepted
   (NN) intervals:
     mean NN; SDNN = sample SD (n - 1); RMSSD = sqrt(mean of squared successive differences)
     and ln RMSSD; pNN50 = share of successive differences with |d| > 50 ms; mean HR =
     60000 / mean NN; the lowest mean HR over 30 consecutive NN intervals = 60000 / (largest
     mean of 30 consecutive NN intervals). Successive differences are taken only between two
     accepted intervals that were adjacent in the original series (a rejected interval
     breaks the pair);
3. writes tests/data/hrv/<record>.reference.json with the rejected indices, the metrics and
   how they were made (script, command, date).

Run from anywhere:  python3 scripts/hrv_reference.py
"""

import datetime
import json
import math
import os
import platform
import statistics

RECORDS = ["mitdb100", "mitdb1003"]
RR_MIN, RR_MAX = 300.0, 2000.0
MAX_CHANGE = 0.2
HALF = 5
WINDOW = 30

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "hrv")


def read_rr(path):
    with open(path) as f:
        return [float(line) for line in f if line.strip()]


def plausible(rr):
    return math.isfinite(rr) and RR_MIN <= rr <= RR_MAX


def local_median(rr, i):
    window = [v for v in rr[max(0, i - HALF): i + HALF + 1] if plausible(v)]
    return statistics.median(window) if window else None


def accepted_mask(rr):
    medians = [local_median(rr, i) for i in range(len(rr))]
    kept = []  # indices accepted so far; rule c may take the last ones back
    for i, value in enumerate(rr):
        if not plausible(value):
            continue
        med = medians[i]
        if abs(value - med) > MAX_CHANGE * med:
            continue
        while True:
            if kept and i - kept[-1] <= HALF:
                j = kept[-1]
                prev = rr[j]
                if abs(value - prev) > MAX_CHANGE * prev:
                    if abs(value - med) / med < abs(prev - medians[j]) / medians[j]:
                        kept.pop()
                        continue
                    break  # reject this one
            kept.append(i)
            break
    kept = set(kept)
    return [i in kept for i in range(len(rr))]


def metrics(rr, mask):
    nn = [v for v, ok in zip(rr, mask) if ok]
    diffs = [rr[i + 1] - rr[i] for i in range(len(rr) - 1) if mask[i] and mask[i + 1]]
    mean_nn = statistics.fmean(nn)
    rmssd = math.sqrt(sum(d * d for d in diffs) / len(diffs))
    if len(nn) >= WINDOW:
        slowest = max(statistics.fmean(nn[k: k + WINDOW]) for k in range(len(nn) - WINDOW + 1))
    else:
        slowest = mean_nn
    rejected = mask.count(False)
    return {
        "mean_nn_ms": mean_nn,
        "rmssd_ms": rmssd,
        "ln_rmssd": math.log(rmssd),
        "sdnn_ms": statistics.stdev(nn),
        "pnn50": sum(1 for d in diffs if abs(d) > 50.0) / len(diffs),
        "mean_hr_bpm": 60000.0 / mean_nn,
        "resting_hr_lowest_30_beats": 60000.0 / slowest,
        "nn_count": len(nn),
        "rr_count": len(rr),
        "artifact_share": rejected / len(rr),
        "successive_differences": len(diffs),
    }


def main():
    for record in RECORDS:
        source = os.path.join(DATA, record + ".rr_ms.txt")
        rr = read_rr(source)
        mask = accepted_mask(rr)
        out = {
            "record": record,
            "input": "tests/data/hrv/%s.rr_ms.txt" % record,
            "script": "scripts/hrv_reference.py",
            "command": "python3 scripts/hrv_reference.py",
            "date": datetime.date.today().isoformat(),
            "python": platform.python_version(),
            "method": "acceptance rule of src/physiology/hrv.rs re-implemented; Task Force 1996 "
            "metrics over the accepted intervals; successive differences only between "
            "originally adjacent accepted intervals",
            "rejected_indices": [i for i, ok in enumerate(mask) if not ok],
            "metrics": metrics(rr, mask),
        }
        target = os.path.join(DATA, record + ".reference.json")
        with open(target, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
        m = out["metrics"]
        print("%s: %d RR, %d rejected, RMSSD %.3f ms, SDNN %.3f ms -> %s" % (
            record, m["rr_count"], len(out["rejected_indices"]), m["rmssd_ms"], m["sdnn_ms"],
            os.path.relpath(target, ROOT)))


if __name__ == "__main__":
    main()
