"""`python -m bench throughput|scale|broadcast|drills [options]`: run one benchmark (bench/__init__.py)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "throughput": "bench.throughput",
    "scale": "bench.scale",
    "broadcast": "bench.broadcast",
    "drills": "bench.drills",
    "taps": "bench.taps",
}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark named first on the command line with the rest of it."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in BENCHMARKS:
        print(f"usage: python -m bench {{{'|'.join(BENCHMARKS)}}} [options]  (--help for options)")
        return 2
    module = importlib.import_module(BENCHMARKS[args[0]])
    status: int = module.main(args[1:])
    return status


if __name__ == "__main__":
    sys.exit(main())
