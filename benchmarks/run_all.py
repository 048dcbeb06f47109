"""Run every benchmark in this folder (``make bench``); each prints its own ratios."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    args = sys.argv[1:]
    for path in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {path.name} ===", flush=True)
        saved = sys.argv
        sys.argv = [str(path)] + args
        try:
            runpy.run_path(str(path), run_name="__main__")
        except SystemExit as e:
            if e.code not in (0, None):
                print(f"{path.name} exited with {e.code}", flush=True)
                return int(e.code) if isinstance(e.code, int) else 1
        finally:
            sys.argv = saved
    return 0


if __name__ == "__main__":
    sys.exit(main())
