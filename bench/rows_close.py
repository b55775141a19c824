#!/usr/bin/env python3
# rows_close.py - compares two row dumps of bench/same_rows.sh (sqlite3's
# "a|b|c" lines, "== table" headers) field by field: a field that is a
# floating-point number on both sides (has a '.', 'e' or is inf/nan) may
# differ by a relative tolerance, any other field (integers, text, JSON)
# must be identical. Prints each row that differs beyond that (at most
# 20) and a count; exit 0 when none does.
#   bench/rows_close.py OLD.rows NEW.rows [REL_TOLERANCE (default 1e-9)]
import math
import sys


def is_float(s):
    if not any(ch in s for ch in ".eEn"):
        return None
    try:
        return float(s)
    except ValueError:
        return None


def close(a, b, tol):
    if a == b:
        return True
    x, y = is_float(a), is_float(b)
    if x is None or y is None:
        return False
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return abs(x - y) <= tol * max(abs(x), abs(y))


def main():
    old = open(sys.argv[1]).read().split("\n")
    new = open(sys.argv[2]).read().split("\n")
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-9
    bad, table, close_only = 0, "", 0
    if len(old) != len(new):
        print(f"  row counts differ: {len(old)} vs {len(new)}")
        bad += 1
    for i, (a, b) in enumerate(zip(old, new)):
        if a.startswith("== "):
            table = a[3:]
        if a == b:
            continue
        fa, fb = a.split("|"), b.split("|")
        if len(fa) == len(fb) and all(close(x, y, tol) for x, y in zip(fa, fb)):
            close_only += 1
            continue
        bad += 1
        if bad <= 20:
            print(f"  {table} row {i}:\n    old {a}\n    new {b}")
    print(f"  {close_only} rows differ within {tol:g}, {bad} beyond")
    return 1 if bad else 0


sys.exit(main())
