"""``python -m lantian``: the same command as ``lantian`` — every room's commands mounted
(:mod:`lantian.cli` mounts them when it is imported, before this runs)."""
from __future__ import annotations

import sys

from lantian.cli import app


def main() -> int:
    return app(prog_name="lantian")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
