#!/usr/bin/env python3
"""Reference artifact classification and correction from neurokit2, for tests/rr_correction_reference.rs.

neurokit2's signal_fixpeaks(method="Kubios") is an independent implementation of Lipponen &
Tarvainen 2019 (J Med Eng Technol 43:173; docs/science.md section 10). This script runs it on

1. the two MIT-BIH RR series in tests/data/hrv (records 100 and 1003, with ectopic beats of
   their own), and
2. six series with injected artifacts (missed, extra, ectopic beats at 5 %, seed 1) made here
   from two clean runs of those records (mitdb100 beats 442..598 and mitdb1003 beats
   125..478: the runs tests/rr_correction_injection.rs checks are clean by both of
   talkzone's rules), written to tests/data/rr_correction/<name>.rr_ms.txt,

and stores, for each series, tests/data/rr_correction/<name>.neurokit2.json with

- the first-pass classification (iterative=False), as indices of the input RR intervals;
- neurokit2's thresholds and 11-beat median per input interval (th1 for dRR, th2 for mRR, ms);
- the corrected RR of one pass and of the iterated correction (iterative=True, the default),
  and their RMSSD (over every successive difference, as neurokit2's output has no gaps).

Exactness: every RR value in these series is a whole number of samples at 360 Hz (the MIT-BIH
sampling rate; the text files hold them in ms to 4 decimals). The peaks handed to neurokit2
are those sample counts, cumulated, times 1000, with sampling_rate=360000: exact integers,
and neurokit2's integer truncation of corrected peak positions costs less than 3 microseconds.
neurokit2's peak index k is the interval ending at peak k, i.e. input RR interval k - 1; its
index 0 is an artificial interval (the mean of the others) and is reported apart.

Run (the virtualenv is not part of the repository):
    python3 -m venv target/ref-venv
    target/ref-venv/bin/pip install neurokit2==0.2.13
    target/ref-venv/bin/python scripts/rr_correction_reference.py
"""

import datetime
import json
import math
import os
import platform
import random
import warnings

import neurokit2 as nk
import numpy as np
import pandas as pd
from neurokit2.signal.signal_fixpeaks import _compute_threshold

NEUROKIT2_VERSION = "0.2.13"
SAMPLES_PER_MS = 0.36  # 360 Hz
SCALE = 1000  # peaks at 360 kHz
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HRV = os.path.join(ROOT, "tests", "data", "hrv")
OUT = os.path.join(ROOT, "tests", "data", "rr_correction")
COMMAND = "target/ref-venv/bin/python scripts/rr_correction_reference.py"

BASES = [("mitdb100", 442, 598), ("mitdb1003", 125, 478)]
KINDS = ["missed", "extra", "ectopic"]
RATE = 0.05
SEED = 1
MIN_SPACING = 5


def read_samples(path):
    with open(path) as f:
        values = [float(line) for line in f if line.strip()]
    samples = [round(v * SAMPLES_PER_MS) for v in values]
    worst = max(abs(v * SAMPLES_PER_MS - s) for v, s in zip(values, samples))
    assert worst < 1e-3, "%s: not whole samples at 360 Hz (%g)" % (path, worst)
    return samples


def write_samples(path, samples):
    with open(path, "w") as f:
        for s in samples:
            f.write("%.4f\n" % (s / SAMPLES_PER_MS))


def inject(base, kind, rate, seed):
    """The injection of tests/rr_correction_injection.rs, in whole samples, with Python's RNG."""
    rng = random.Random(seed)
    n = len(base)
    wanted = round(rate * n)
    chosen = []
    tries = 0
    while len(chosen) < wanted and tries < 100000:
        tries += 1
        i = rng.randrange(2, n - 3)
        if all(abs(c - i) >= MIN_SPACING for c in chosen):
            chosen.append(i)
    assert len(chosen) == wanted
    chosen.sort()
    out, events, i = [], [], 0
    while i < n:
        if chosen and chosen[0] == i:
            chosen.pop(0)
            events.append({"kind": kind, "at": len(out)})
            if kind == "missed":
                out.append(base[i] + base[i + 1])
                i += 2
            elif kind == "extra":
                first = round(base[i] * rng.uniform(0.1, 0.9))
                out += [first, base[i] - first]
                i += 1
            else:
                early = round(base[i] * rng.uniform(0.15, 0.35))
                made_up = round(early * rng.uniform(0.5, 1.0))
                out += [base[i] - early, base[i + 1] + made_up]
                i += 2
        else:
            out.append(base[i])
            i += 1
    return out, events


def peaks_of(samples):
    return np.concatenate([[0], np.cumsum(samples)]).astype(np.int64) * SCALE


def rr_ms_of(peaks):
    return (np.diff(peaks) / (SAMPLES_PER_MS * SCALE)).tolist()


def rmssd(rr):
    d = np.diff(np.asarray(rr, dtype=float))
    return float(math.sqrt(np.mean(d * d)))


def thresholds(samples):
    """neurokit2's th1, th2 and 11-beat median, recomputed with its own code path."""
    peaks = peaks_of(samples)
    rr = np.ediff1d(peaks, to_begin=0) / (SAMPLES_PER_MS * SCALE * 1000.0)  # seconds
    rr[0] = np.mean(rr[1:])
    drrs = np.ediff1d(rr, to_begin=0)
    drrs[0] = np.mean(drrs[1:])
    th1 = _compute_threshold(drrs, 5.2, 91)
    medrr = pd.DataFrame({"signal": rr}).rolling(11, center=True, min_periods=1).median().signal.values
    mrrs = rr - medrr
    mrrs[mrrs < 0] = mrrs[mrrs < 0] * 2
    th2 = _compute_threshold(mrrs, 5.2, 91)
    ms = lambda a: [float(v) * 1000.0 for v in a[1:]]
    return ms(th1), ms(th2), ms(medrr)


def classification(info):
    out = {}
    artificial = []
    for key in ["ectopic", "missed", "extra", "longshort"]:
        idx = [int(k) for k in info[key]]
        artificial += [key for k in idx if k == 0]
        out[key] = sorted(k - 1 for k in idx if k > 0)
    return out, artificial


def run(name, samples, extra):
    peaks = peaks_of(samples)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        info1, peaks1 = nk.signal_fixpeaks(peaks, sampling_rate=360 * SCALE, iterative=False, method="Kubios")
        info_it, peaks_it = nk.signal_fixpeaks(peaks, sampling_rate=360 * SCALE, iterative=True, method="Kubios")
    first, artificial = classification(info1)
    th1, th2, med = thresholds(samples)
    rr_in = rr_ms_of(peaks)
    one_pass, iterated = rr_ms_of(peaks1), rr_ms_of(peaks_it)
    out = {
        "series": name,
        "script": "scripts/rr_correction_reference.py",
        "command": COMMAND,
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "neurokit2": nk.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "call": "signal_fixpeaks(peaks, sampling_rate=360000, method='Kubios', iterative=False / True)",
        "first_pass": first,
        "first_pass_artificial_first_interval": artificial,
        "median_ms": med,
        "th1_ms": th1,
        "th2_ms": th2,
        "corrected_rr_ms": {"one_pass": one_pass, "iterative": iterated},
        "rmssd_ms": {"input": rmssd(rr_in), "one_pass": rmssd(one_pass), "iterative": rmssd(iterated)},
    }
    out.update(extra)
    with open(os.path.join(OUT, name + ".neurokit2.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    counts = {k: len(v) for k, v in first.items()}
    print("%-22s %4d RR  first pass %s  RMSSD in %.3f, one pass %.3f, iterated %.3f ms" % (
        name, len(samples), counts, out["rmssd_ms"]["input"], out["rmssd_ms"]["one_pass"],
        out["rmssd_ms"]["iterative"]))


def main():
    assert nk.__version__ == NEUROKIT2_VERSION, "pin: neurokit2==%s, found %s" % (NEUROKIT2_VERSION, nk.__version__)
    os.makedirs(OUT, exist_ok=True)
    for record in ["mitdb100", "mitdb1003"]:
        samples = read_samples(os.path.join(HRV, record + ".rr_ms.txt"))
        run(record, samples, {"input": "tests/data/hrv/%s.rr_ms.txt" % record})
    for record, first, end in BASES:
        base = read_samples(os.path.join(HRV, record + ".rr_ms.txt"))[first:end]
        for kind in KINDS:
            samples, events = inject(base, kind, RATE, SEED)
            name = "%s_%d_%d_%s5" % (record, first, end, kind)
            path = os.path.join(OUT, name + ".rr_ms.txt")
            write_samples(path, samples)
            run(name, samples, {
                "input": os.path.relpath(path, ROOT),
                "base": {"record": record, "first": first, "end": end, "rmssd_ms": rmssd([s / SAMPLES_PER_MS for s in base])},
                "injected": events,
                "injection": "%s beats at %.0f %%, seed %d (Python random), at least %d beats apart" % (kind, RATE * 100, SEED, MIN_SPACING),
            })


if __name__ == "__main__":
    main()
