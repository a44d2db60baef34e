"""How fast is ``c2m import sales``, and does its memory stay flat as files grow? (issue 2)

    python benchmarks/import_speed.py [--rows 1000000] [--small 200000] [--out FILE]

Generates a live-sales CSV in the canonical format (``date,room_id,sku,style,colour,size,
clicks,carts,orders,rank,price``; one row per day x room x SKU, unique keys) and imports it
into a fresh SQLite file through the real importer (:func:`c2m.importing.import_sales`: the
same validating, de-duplicating, counting code the CLI runs), each import in its own process
so that its peak resident memory can be read. The first ``--small`` rows of the same data are
imported the same way, to show that peak memory does not grow with file size.

The reference, measured in the same run on the same file: the ``sqlite3`` command-line
shell's ``.import`` into a fresh database (plain table, no constraints: the raw load the
issue names). A second reference loads the same file into a table that carries the indexes
``sales_signal`` has (natural key unique, SKU x time), i.e. the part of our cost that any
de-duplicating load must pay. If the ``sqlite3`` shell is missing, ``pandas.read_csv`` +
``to_sql`` stands in. Figures are wall-clock seconds and CPU seconds (user + system; steadier
than wall time on a shared machine); ratios are ours over the reference.

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
                  clicks INTEGER, carts INTEGER, orders INTEGER, rank INTEGER, price REAL);
CREATE UNIQUE INDEX raw_key ON raw (date, room_id, sku);
CREATE INDEX raw_sku ON raw (sku, date);
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


def run_importer(csv_path: Path, workdir: Path) -> dict:
    db = workdir / f"{csv_path.stem}.db"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="c2m-import-bench-") as tmp:
        workdir = Path(tmp)
        big = workdir / "sales_big.csv"
        small = workdir / "sales_small.csv"
        started = time.perf_counter()
        generate(big, args.rows)
        head(big, small, args.small)
        file_mb = round(big.stat().st_size / 1e6, 1)
        generate_s = time.perf_counter() - started

        # Reference and ours alternate, so that a busy spell on the machine hits both.
        if shutil.which("sqlite3"):
            reference_name = "sqlite3 .import (plain table)"
            reference = run_sqlite_shell(big, workdir)
            indexed = run_sqlite_shell(big, workdir, _INDEXED_SCHEMA)
        else:
            reference_name = "pandas.read_csv + to_sql (sqlite3 shell missing)"
            reference = run_pandas(big, workdir)
            indexed = None
        ours_big = run_importer(big, workdir)
        ours_small = run_importer(small, workdir)

    report = {
        "benchmark": "import_speed",
        "rows": args.rows,
        "file_mb": file_mb,
        "generate_s": round(generate_s, 2),
        "ours": {
            "wall_s": round(ours_big["wall_s"], 2),
            "cpu_s": round(ours_big["cpu_s"], 2),
            "rows_per_s": round(args.rows / ours_big["wall_s"]),
            "rows_imported": ours_big["rows_imported"],
            "rows_rejected": ours_big["rows_rejected"],
            "peak_rss_mb": round(ours_big["peak_rss_mb"], 1),
        },
        "ours_small": {
            "rows": args.small,
            "wall_s": round(ours_small["wall_s"], 2),
            "rows_per_s": round(args.small / ours_small["wall_s"]),
            "peak_rss_mb": round(ours_small["peak_rss_mb"], 1),
        },
        "memory_growth_mb": round(ours_big["peak_rss_mb"] - ours_small["peak_rss_mb"], 1),
        "reference": {
            "method": reference_name,
            "wall_s": round(reference["wall_s"], 2),
            "cpu_s": round(reference["cpu_s"], 2),
        },
        "ratio_wall": round(ours_big["wall_s"] / reference["wall_s"], 2),
        "ratio_cpu": round(ours_big["cpu_s"] / max(reference["cpu_s"], 1e-9), 2),
        "target_ratio": 3.0,
        "machine": {
            "cpus": os.cpu_count(),
            "load_avg_1m": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
    }
    if indexed is not None:
        report["reference_indexed"] = {
            "method": "sqlite3 .import into a table with sales_signal's indexes",
            "wall_s": round(indexed["wall_s"], 2),
            "cpu_s": round(indexed["cpu_s"], 2),
        }
        report["ratio_wall_vs_indexed"] = round(ours_big["wall_s"] / indexed["wall_s"], 2)
        report["ratio_cpu_vs_indexed"] = round(ours_big["cpu_s"] / max(indexed["cpu_s"], 1e-9), 2)
    text = json.dumps(report, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
