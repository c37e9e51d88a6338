#!/usr/bin/env python3
"""Build the reprint: ``python build.py pdf``, ``python build.py epub``, ``python build.py all``.

``python build.py --help`` lists the commands and options; ``python build.py check`` is the preflight.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kumihan.cli import run  # noqa: E402

if __name__ == "__main__":
    run(default_root=Path(__file__).resolve().parent)
