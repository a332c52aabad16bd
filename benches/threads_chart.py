#!/usr/bin/env python3
"""The speedup from threads, as an SVG bar chart: for each size of cargo
bench's `threads` group, the training step's time on one thread divided by
its time on N threads, for the loop path and the matrix path.

    cargo bench --bench paths -- 'threads/'
    python3 benches/threads_chart.py docs/parallel.svg "subtitle: machine, date"

Reads criterion's estimates from $CRITERION_HOME, else
$CARGO_TARGET_DIR/criterion, else target/criterion.
"""

import json
import os
import sys
from pathlib import Path


def estimates(root):
    found = {}
    for folder in (root / "threads").iterdir():
        for sub in folder.iterdir() if folder.is_dir() else []:
            est = sub / "new" / "estimates.json"
            if est.is_file():
                found[(folder.name, sub.name)] = json.loads(est.read_text())["median"]["point_estimate"]
    return found


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "parallel.svg")
    subtitle = sys.argv[2] if len(sys.argv) > 2 else ""
    home = os.environ.get("CRITERION_HOME")
    root = Path(home) if home else Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "criterion"
    est = estimates(root)
    counts = sorted({int(k[0].split("_")[-1][:-1]) for k in est if k[0].split("_")[-1] != "1t"})
    n = counts[-1] if counts else 2
    order = ["2-25-15-1_m1000", "400-25-15-1_m1000", "784-256-128-10_m1000", "1024-1024-1024_m256"]
    labels = [l + suffix for suffix in ("", "_f32") for l in order]
    bars = []
    for lab in labels:
        pair = []
        for path in ("sequential", "matrix"):
            one, many = est.get((f"{path}_1t", lab)), est.get((f"{path}_{n}t", lab))
            pair.append(one / many if one and many else None)
        bars.append((lab, pair))
    width, height = 900, 600
    left, right, top, bottom = 110, 20, 80, 150
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max(2.2, max((v for _, p in bars for v in p if v), default=2.0) * 1.1)
    y = lambda v: top + plot_h * (1 - v / top_value)
    group_w = plot_w / len(bars)
    colours = {"sequential": "#d9822b", "matrix": "#2b6cb0"}
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="DejaVu Sans, sans-serif">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="28" text-anchor="middle" font-size="18">'
           f'Speedup of a training step from {n} threads over 1 (cargo bench, threads group)</text>',
           f'<text x="{width / 2}" y="50" text-anchor="middle" font-size="13" fill="#444">{subtitle}</text>']
    tick = 0.0
    while tick <= top_value + 1e-9:
        svg.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                   f'stroke="{"#888" if tick in (1.0, 2.0) else "#e5e5e5"}" '
                   f'stroke-dasharray="{"6,4" if tick == 2.0 else ""}"/>')
        svg.append(f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12">{tick:.1f}×</text>')
        tick += 0.5
    svg.append(f'<text x="{left + 4}" y="{y(2.0) - 6:.1f}" font-size="12" '
               f'fill="#555">ideal on 2 threads</text>')
    for i, (lab, pair) in enumerate(bars):
        x0 = left + i * group_w
        for k, (path, value) in enumerate(zip(("sequential", "matrix"), pair)):
            if value is None:
                continue
            bx = x0 + group_w * (0.15 + 0.35 * k)
            svg.append(f'<rect x="{bx:.1f}" y="{y(value):.1f}" width="{group_w * 0.33:.1f}" '
                       f'height="{y(0) - y(value):.1f}" fill="{colours[path]}"/>')
            svg.append(f'<text x="{bx + group_w * 0.165:.1f}" y="{y(value) - 4:.1f}" text-anchor="middle" '
                       f'font-size="11">{value:.2f}</text>')
        cx = x0 + group_w / 2
        svg.append(f'<text transform="translate({cx + 6:.1f},{y(0) + 14:.1f}) rotate(-35)" '
                   f'text-anchor="end" font-size="12">'
                   f'{lab}</text>')
    lx = left + 10
    for k, (path, name) in enumerate((("sequential", "loop path"), ("matrix", "matrix path"))):
        svg.append(f'<rect x="{lx + k * 140}" y="{top - 18}" width="14" height="14" fill="{colours[path]}"/>')
        svg.append(f'<text x="{lx + k * 140 + 20}" y="{top - 6}" font-size="13">{name}</text>')
    svg.append("</svg>")
    out.write_text("\n".join(svg) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
