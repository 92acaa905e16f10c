"""The benchmark harness works end to end on the small book (figures are not asserted)."""

import json
import subprocess
from pathlib import Path

from .bench.kpi_sql import differences
from .bench.run import ROWS, SETTINGS, SIZES, book_args

ROOT = Path(__file__).resolve().parent.parent


def test_book_arguments_of_each_size():
    assert book_args("small") == "--customers 30 --invoices 300 --seed 1 --late-share 0.3"
    assert SIZES["medium"]["customers"] == 3000
    assert SIZES["large"]["customers"] == 20000
    assert SETTINGS["medium"]["load_seconds"] == 60


def test_kpi_comparison_finds_a_cent_of_difference():
    ours = {"aging": {"current": 10.0}, "top": [{"partner_id": 1, "amount": 5.0}], "dso": 30.0}
    assert differences(ours, json.loads(json.dumps(ours))) == []
    assert differences(ours, {**ours, "aging": {"current": 10.01}}) == ["kpi.aging.current: ours 10.0 != SQL 10.01"]
    assert differences(ours, {**ours, "top": []}) == ["kpi.top: 1 items != 0"]


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
    assert [row["name"] for row in rows] == ROWS
    for row in rows:
        assert set(row) == {"name", "size", "ours_s", "anchor", "anchor_s", "ratio", "detail"}
        assert row["ours_s"] > 0
    anchored = {row["name"] for row in rows if row["anchor_s"]}
    assert anchored >= {"followup_run", "followup_rerun", "kpi_12m", "portal_statement", "xlsx_pack", "portal_load"}
    assert "portal_load" in result.stdout
