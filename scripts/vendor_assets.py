#!/usr/bin/env python3
"""Copy the browser libraries lantian serves locally (no CDN) from node_modules into the package.

    npm ci                                  # installs the exact versions of package-lock.json
    python scripts/vendor_assets.py         # → src/lantian/web/static/vendor/

The vendor folder is generated (gitignored); the versions are pinned by package.json and
package-lock.json. ``--check`` only verifies that the copies are present and current.
"""
from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "src" / "lantian" / "web" / "static" / "vendor"

#: package → (file inside the package, name in vendor/)
ASSETS = {
    "echarts": [("dist/echarts.min.js", "echarts.min.js")],
    "htmx.org": [("dist/htmx.min.js", "htmx.min.js")],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the vendored files, copy nothing")
    args = parser.parse_args(argv)
    if not NODE_MODULES.is_dir():
        print(f"error: {NODE_MODULES} is missing — run `npm ci` in {ROOT} first (needs Node.js/npm and the "
              f"npm registry once), then run this script again", file=sys.stderr)
        return 2
    wanted = json.loads((ROOT / "package.json").read_text(encoding="utf-8")).get("dependencies", {})
    problems = []
    copied = []
    for package, files in ASSETS.items():
        meta = NODE_MODULES / package / "package.json"
        if not meta.is_file():
            problems.append(f"{package} is not installed in node_modules — run `npm ci`")
            continue
        version = json.loads(meta.read_text(encoding="utf-8"))["version"]
        if package in wanted and wanted[package] != version:
            problems.append(f"{package} {version} installed but package.json pins {wanted[package]} — run `npm ci`")
            continue
        for inner, name in files:
            src, dst = NODE_MODULES / package / inner, VENDOR / name
            if not src.is_file():
                problems.append(f"{package} {version} has no {inner}")
                continue
            if args.check:
                if not dst.is_file() or not filecmp.cmp(src, dst, shallow=False):
                    problems.append(f"{dst.relative_to(ROOT)} is missing or differs from {package} {version}")
                continue
            VENDOR.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            copied.append(f"{package} {version}: {inner} → {dst.relative_to(ROOT)} ({dst.stat().st_size:,} bytes)")
    for line in copied:
        print(line)
    if problems:
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        return 2
    if args.check:
        print(f"vendored assets present and current in {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
