"""How fast is ``c2m import sales``, and does its memory stay flat as files grow? (issue 2)

    python benchmarks/import_speed.py [--rows 1000000] [--small 200000] [--repeat 3] [--out FILE]

Generates a live-sales CSV in the canonical format (``date,room_id,sku,style,colour,size,
clicks,carts,orders,rank,price``; one row per day x room x SKU, unique keys) and imports it
into a fresh SQLite file through the real importer (:func:`c2m.importing.import_sales`: the
same validating, de-duplicating, counting code the CLI runs), each import in its own process
so that its peak resident memory can be read. The first ``--small`` rows of the same data are
imported the same way, to show that peak memory does not grow with file size, and the big
file is imported a second time into the database that holds it (every row unchanged: the
idempotent path, which reads each key back).

The reference, measured in the same run on the same file: the ``sqlite3`` command-line
shell's ``.import`` into a fresh database (plain table, no constraints: the raw load the
issue names). A second reference loads the same file into a table shaped like
``sales_signal`` (WITHOUT ROWID, keyed by the natural key), i.e. the part of our cost that
any de-duplicating load must pay. If the ``sqlite3`` shell is missing, ``pandas.read_csv`` +
``to_sql`` stands in. Figures are wall-clock seconds and CPU seconds (user + system; steadier
than wall time on a shared machine); ratios are ours over the reference. The reference and
the import alternate ``--repeat`` times, so that a busy spell on a shared machine hits both;
the headline figures are the medians of the per-round ratios, every round is listed.

Prints one JSON object and writes it to ``benchmarks/results/import_speed.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "import_speed.json"

# Runs in a child process: import the file, report counts, times and peak memory.
_CHILD = """
import json, resource, sys, time
from pathlib import Path
from c2m.db import open_engine
from c2m.importing import import_sales
engine = open_engine(sys.argv[2])
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
wall, cpu = time.perf_counter(), time.process_time()
result = import_sales([Path(sys.argv[1])], engine)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({
    "wall_s": wall, "cpu_s": cpu,
    "rows_imported": result.rows_imported, "rows_updated": result.rows_updated,
    "rows_unchanged": result.rows_unchanged, "rows_rejected": result.rows_rejected,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rss_after_startup_mb": rss_before / 1024,
}))
"""

_INDEXED_SCHEMA = """
CREATE TABLE raw (date TEXT, room_id TEXT, sku TEXT, style TEXT, colour TEXT, size TEXT,
                  clicks INTEGER, carts INTEGER, orders INTEGER, rank INTEGER, price REAL,
                  PRIMARY KEY (date, room_id, sku)) WITHOUT ROWID;
"""


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """A sales export with unique (date, room, SKU) keys and plausible numbers."""
    import random

    rng = random.Random(seed)
    rooms = ["douyin-1", "douyin-2", "kuaishou-1", "taobao-1"]
    colours = ["BLK", "WHT", "NVY", "GRY", "RED"]
    sizes = ["S", "M", "L", "XL", "XXL"]
    days = 120
    per_day = len(rooms)
    skus_needed = -(-rows // (days * per_day))
    skus = []
    style = 0
    while len(skus) < skus_needed:
        style += 1
        for colour in colours:
            for size in sizes:
                skus.append((f"HM{2400 + style}", colour, size))
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("date,room_id,sku,style,colour,size,clicks,carts,orders,rank,price\n")
        for day in range(days):
            date = f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}"
            for room in rooms:
                for rank, (st, colour, size) in enumerate(skus[:skus_needed], start=1):
                    if written == rows:
                        return
                    clicks = rng.randint(0, 3000)
                    carts = clicks // rng.randint(3, 12)
                    orders = carts // rng.randint(2, 5)
                    shown = rank if rank <= 50 else ""
                    handle.write(
                        f"{date},{room},{st}-{colour}-{size},{st},{colour},{size},"
                        f"{clicks},{carts},{orders},{shown},{59 + rank % 40}.9\n"
                    )
                    written += 1


def head(source: Path, target: Path, rows: int) -> None:
    with source.open("rb") as src, target.open("wb") as dst:
        for i, line in enumerate(src):
            if i > rows:
                break
            dst.write(line)


def run_importer(csv_path: Path, workdir: Path, *, fresh: bool = True) -> dict:
    db = workdir / f"{csv_path.stem}.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(csv_path), f"sqlite:///{db}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_sqlite_shell(csv_path: Path, workdir: Path, schema: str = "") -> dict:
    db = workdir / "reference.db"
    db.unlink(missing_ok=True)
    script = f"{schema}\n.mode csv\n.import {'--skip 1 ' if schema else ''}{csv_path} raw\n"
    cpu, wall = _child_cpu(), time.perf_counter()
    subprocess.run(["sqlite3", str(db)], input=script, text=True, check=True)
    wall, cpu = time.perf_counter() - wall, _child_cpu() - cpu
    db.unlink(missing_ok=True)
    return {"wall_s": wall, "cpu_s": cpu}


def run_pandas(csv_path: Path, workdir: Path) -> dict:
    import sqlite3

    import pandas as pd

    db = workdir / "reference.db"
    db.unlink(missing_ok=True)
    cpu, wall = time.process_time(), time.perf_counter()
    with sqlite3.connect(db) as connection:
        pd.read_csv(csv_path).to_sql("raw", connection, index=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    db.unlink(missing_ok=True)
    return {"wall_s": wall, "cpu_s": cpu}


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of reference + import")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    rounds: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="c2m-import-bench-") as tmp:
        workdir = Path(tmp)
        big = workdir / "sales_big.csv"
        small = workdir / "sales_small.csv"
        started = time.perf_counter()
        generate(big, args.rows)
        head(big, small, args.small)
        file_mb = round(big.stat().st_size / 1e6, 1)
        generate_s = time.perf_counter() - started

        if shutil.which("sqlite3"):
            reference_name = "sqlite3 .import (plain table)"
        else:
            reference_name = "pandas.read_csv + to_sql (sqlite3 shell missing)"
        for _ in range(max(1, args.repeat)):
            if shutil.which("sqlite3"):
                reference = run_sqlite_shell(big, workdir)
                indexed = run_sqlite_shell(big, workdir, _INDEXED_SCHEMA)
            else:
                reference, indexed = run_pandas(big, workdir), None
            ours = run_importer(big, workdir)
            rounds.append(_round(ours, reference, indexed, os.getloadavg()[0]))
        again = run_importer(big, workdir, fresh=False)
        ours_small = run_importer(small, workdir)

    best = min(rounds, key=lambda r: r["ours"]["cpu_s"])
    report = {
        "benchmark": "import_speed",
        "rows": args.rows,
        "file_mb": file_mb,
        "generate_s": round(generate_s, 2),
        "reference_method": reference_name,
        "ratio_wall": round(_median([r["ratio_wall"] for r in rounds]), 2),
        "ratio_cpu": round(_median([r["ratio_cpu"] for r in rounds]), 2),
        "target_ratio": 3.0,
        "ours": {
            "wall_s": round(_median([r["ours"]["wall_s"] for r in rounds]), 2),
            "cpu_s": round(_median([r["ours"]["cpu_s"] for r in rounds]), 2),
            "rows_per_s": round(args.rows / _median([r["ours"]["wall_s"] for r in rounds])),
            "rows_imported": best["ours"]["rows_imported"],
            "rows_rejected": best["ours"]["rows_rejected"],
            "peak_rss_mb": best["ours"]["peak_rss_mb"],
        },
        "ours_reimport_unchanged": {
            "wall_s": round(again["wall_s"], 2),
            "cpu_s": round(again["cpu_s"], 2),
            "rows_unchanged": again["rows_unchanged"],
            "rows_imported": again["rows_imported"],
            "ratio_cpu_vs_first_import": round(again["cpu_s"] / best["ours"]["cpu_s"], 2),
        },
        "ours_small": {
            "rows": args.small,
            "wall_s": round(ours_small["wall_s"], 2),
            "rows_per_s": round(args.small / ours_small["wall_s"]),
            "peak_rss_mb": round(ours_small["peak_rss_mb"], 1),
        },
        "memory_growth_mb": round(best["ours"]["peak_rss_mb"] - ours_small["peak_rss_mb"], 1),
        "rounds": rounds,
        "machine": {
            "cpus": os.cpu_count(),
            "load_avg_1m": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
    }
    if rounds[0].get("ratio_cpu_vs_indexed") is not None:
        report["ratio_wall_vs_indexed"] = round(
            _median([r["ratio_wall_vs_indexed"] for r in rounds]), 2
        )
        report["ratio_cpu_vs_indexed"] = round(
            _median([r["ratio_cpu_vs_indexed"] for r in rounds]), 2
        )
    text = json.dumps(report, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


def _round(ours: dict, reference: dict, indexed: dict | None, load: float) -> dict:
    """One round's figures: our import, the raw load and the keyed load, and their ratios."""
    result = {
        "ours": {
            "wall_s": round(ours["wall_s"], 2),
            "cpu_s": round(ours["cpu_s"], 2),
            "rows_imported": ours["rows_imported"],
            "rows_rejected": ours["rows_rejected"],
            "peak_rss_mb": round(ours["peak_rss_mb"], 1),
        },
        "reference": {
            "wall_s": round(reference["wall_s"], 2),
            "cpu_s": round(reference["cpu_s"], 2),
        },
        "ratio_wall": round(ours["wall_s"] / reference["wall_s"], 2),
        "ratio_cpu": round(ours["cpu_s"] / max(reference["cpu_s"], 1e-9), 2),
        "load_avg_1m": round(load, 2),
    }
    if indexed is not None:
        result["reference_keyed"] = {
            "method": "sqlite3 .import into a table keyed like sales_signal",
            "wall_s": round(indexed["wall_s"], 2),
            "cpu_s": round(indexed["cpu_s"], 2),
        }
        result["ratio_wall_vs_indexed"] = round(ours["wall_s"] / indexed["wall_s"], 2)
        result["ratio_cpu_vs_indexed"] = round(ours["cpu_s"] / max(indexed["cpu_s"], 1e-9), 2)
    return result


if __name__ == "__main__":
    main()
