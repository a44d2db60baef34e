"""Write random unrelated-parallel-machine instances with setups, as Vallada & Ruiz made theirs.

The public set (``../shared/benchmarks/upm``) stops at 50 jobs x 10 lines; factories and the
literature's "large" set go to 250 x 30. This writes instances of any size in the same file
format (``scheduling/formats.py``, ``--format upm``): processing times uniform on [1, 99]
per job and machine, setup times uniform on [1, S] per machine and ordered pair of jobs
(S = 9, 49, 99 or 124 in the literature), named ``I_<jobs>_<machines>_S_1-<S>_<seed>.txt``.

    .venv/bin/python benchmarks/upm_instances.py --out DIR [--sizes 100x10,150x20,250x30]
        [--setup-max 124] [--seed 1]

Then: ``benchmarks/scheduling.py DIR/*.txt --format upm --time-limit 10 --json``. There is
no best-known value for these: compare runs (before/after a change) in the same session.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path


def instance(jobs: int, machines: int, setup_max: int, seed: int) -> str:
    rng = random.Random(seed)
    lines = [f"{jobs}  {machines}  1", "2"]
    for _ in range(jobs):
        lines.append("\t" + "\t".join(f"{m}\t{rng.randint(1, 99)}" for m in range(machines)))
    lines.append("SSD")
    for m in range(machines):
        lines.append(f"M{m}")
        for _ in range(jobs):
            lines.append("\t" + "\t".join(str(rng.randint(1, setup_max)) for _ in range(jobs)))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sizes", default="100x10,150x20,250x30")
    parser.add_argument("--setup-max", type=int, default=124)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for k, size in enumerate(args.sizes.split(",")):
        jobs, machines = (int(x) for x in size.lower().split("x"))
        seed = args.seed + k
        path = args.out / f"I_{jobs}_{machines}_S_1-{args.setup_max}_{seed}.txt"
        path.write_text(instance(jobs, machines, args.setup_max, seed))
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
