"""The benchmark harness works end to end on the small book (figures are not asserted)."""

import json
import subprocess
from pathlib import Path

from .bench.run import CASES, SIZES, book_args

ROOT = Path(__file__).resolve().parent.parent


def test_book_arguments_of_each_size():
    assert book_args("small") == "--customers 30 --invoices 300 --seed 1 --late-share 0.3"
    assert SIZES["medium"]["customers"] == 3000
    assert SIZES["large"]["customers"] == 20000


def test_small_bench_writes_a_row_per_case():
    result = subprocess.run(
        [str(ROOT / "ar"), "bench", "--size", "small"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [row for row in json.loads((ROOT / "bench" / "results.json").read_text()) if row["size"] == "small"]
    assert {row["name"] for row in rows} == set(CASES)
    for row in rows:
        assert set(row) == {"name", "size", "ours_s", "anchor", "anchor_s", "ratio", "detail"}
        assert row["ours_s"] > 0
    assert "generator" in result.stdout
