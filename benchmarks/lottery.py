"""Time the placement lottery (draw version 1, POLICY §10) at Xiamen's size and at ten times it.

    uv run python benchmarks/lottery.py [--sizes 20000:19,200000:200]

For each size (pupils:zones) it builds synthetic `schools.csv` and `pupils.csv` (four to six
junior schools per zone, places for about 95% of the pupils, three ranked choices mostly within
the pupil's zone, 2% policy admissions) and times `engines.lottery.run_draw` end to end: parsing
and checking both files, the seed, the SHA-256 stream and the shuffle, the rounds, the zone fill,
writing every list and the manifest with its hash chain. Beside it, a plain Python peer: the
same placement loop with `random.shuffle` for the order, no input checks and no files. The issue's
targets are under 2 s for 20,000 pupils in 19 zones and under 15 s for 200,000 in 200 zones, on
two cores.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from qiangshi.engines import lottery as L  # noqa: E402


def build(n_pupils: int, n_zones: int, seed: int = 1998) -> tuple[bytes, bytes]:
    rng = random.Random(seed)
    zones = [f"Z{z:03d}" for z in range(n_zones)]
    per_zone = n_pupils // n_zones
    schools: dict[str, list[tuple[str, int]]] = {}
    rows = ["school_code,zone,places"]
    for z in zones:
        k = rng.randint(4, 6)
        places = [max(1, int(per_zone * 0.95 / k * rng.uniform(0.6, 1.4))) for _ in range(k)]
        schools[z] = [(f"J{z[1:]}{i:02d}", p) for i, p in enumerate(places)]
        rows += [f"{code},{z},{p}" for code, p in schools[z]]
    policy_left = {code: p // 10 for z in zones for code, p in schools[z]}
    prows = ["pupil_code,zone,choice1,choice2,choice3,assigned_school"]
    for i in range(n_pupils):
        z = rng.choice(zones)
        own = [code for code, _ in schools[z]]
        # popular schools first: a skewed choice makes rounds 2, 3 and the zone fill do work
        choices = rng.sample(own, 3)
        if rng.random() < 0.5:
            choices[0] = own[0]
            if choices[1] == own[0]:
                choices[1] = own[1]
            if choices[2] in choices[:2]:
                choices[2] = next(c for c in own if c not in choices[:2])
        if rng.random() < 0.03:
            choices[2] = rng.choice(schools[rng.choice(zones)])[0]
        assigned = ""
        if rng.random() < 0.02 and policy_left[own[-1]] > 0:
            assigned = own[-1]
            policy_left[assigned] -= 1
        prows.append(f"P{i:07d},{z},{','.join(choices)},{assigned}")
    return ("\n".join(rows) + "\n").encode(), ("\n".join(prows) + "\n").encode()


def peer(schools_csv: bytes, pupils_csv: bytes, seed: int) -> int:
    """The same placement with `random.shuffle` and no checks, lists or hashes: the floor a plain
    Python program reaches. Returns the number of pupils placed."""
    left, zone_of = {}, {}
    for line in schools_csv.decode().splitlines()[1:]:
        code, zone, places = line.split(",")
        left[code], zone_of[code] = int(places), zone
    pupils = [line.split(",") for line in pupils_csv.decode().splitlines()[1:]]
    placed = {}
    for p in pupils:
        if p[5]:
            left[p[5]] -= 1
            placed[p[0]] = p[5]
    lottery = sorted((p for p in pupils if not p[5]), key=lambda p: p[0])
    random.Random(seed).shuffle(lottery)
    for k in (2, 3, 4):
        for p in lottery:
            c = p[k]
            if p[0] not in placed and zone_of.get(c) == p[1] and left[c] > 0:
                left[c] -= 1
                placed[p[0]] = c
    by_zone: dict[str, list[str]] = {}
    for code in sorted(left):
        by_zone.setdefault(zone_of[code], []).append(code)
    for p in lottery:
        if p[0] in placed:
            continue
        best = max(by_zone.get(p[1], []), key=lambda c: left[c], default=None)
        if best is not None and left[best] > 0:
            left[best] -= 1
            placed[p[0]] = best
    return len(placed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000:19,200000:200")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args()
    targets = {20000: 2.0, 200000: 15.0}
    for size in args.sizes.split(","):
        n, z = map(int, size.split(":"))
        schools, pupils = build(n, z)
        best = best_peer = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            out = L.run_draw(schools, pupils, ["监督室-7351", "notary-2026", "家长-0422"])
            best = min(best, time.perf_counter() - t)
            t = time.perf_counter()
            placed_peer = peer(schools, pupils, 1998)
            best_peer = min(best_peer, time.perf_counter() - t)
        c = out.manifest["counts"]
        target = targets.get(n)
        print(
            f"{n:>7} pupils {z:>4} zones: draw v1 {best:6.2f} s"
            + (f" (target < {target:g} s)" if target else "")
            + f" | peer random.shuffle {best_peer:6.2f} s | ratio {best / best_peer:4.1f}"
            f" | policy {c['policy']} r1 {c['1']} r2 {c['2']} r3 {c['3']} zone {c['zone']}"
            f" unplaced {c['unplaced']} (peer placed {placed_peer})"
        )


if __name__ == "__main__":
    main()
