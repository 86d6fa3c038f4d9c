"""Write OR-Library-format GAP files of the published types C, D and E.

Run: ``.venv/bin/python benchmarks/gap/generate.py OUTDIR [--types CDE]
[--sizes 5x100,10x100,20x100,10x200] [--problems 1] [--seed 1]``. One file per type and size,
``gap{type}_{m}x{n}.txt``, holding ``--problems`` problems (seeds ``seed``, ``seed + 1``, ...).
The generators are ``escalera.solve.gap_instances.generate_gap``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from escalera.solve.gap_instances import TYPES, generate_gap
from escalera.solve.orlib import format_gap

DEFAULT_SIZES = "5x100,10x100,20x100,10x200"


def sizes(text: str) -> list[tuple[int, int]]:
    """``"5x100,10x200"`` as [(5, 100), (10, 200)]."""
    return [(int(m), int(n)) for m, n in (part.split("x") for part in text.split(","))]


def write_set(outdir: Path, types: str = "".join(TYPES), size_text: str = DEFAULT_SIZES,
              problems: int = 1, seed: int = 1) -> list[Path]:
    """Write one file per type and size; returns the paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind in types.upper():
        for m, n in sizes(size_text):
            instances = [generate_gap(kind, m, n, seed + k) for k in range(problems)]
            path = outdir / f"gap{kind}_{m}x{n}.txt"
            path.write_text(format_gap(instances), encoding="utf-8")
            paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--types", default="".join(TYPES))
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument("--problems", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for path in write_set(args.outdir, args.types, args.sizes, args.problems, args.seed):
        print(path)


if __name__ == "__main__":
    main()
