"""The launcher's answers when what it needs is missing, as a new user would meet them."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_ar(*args, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    environ.update(env)
    return subprocess.run(
        [str(ROOT / "ar"), *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120, check=False
    )


def test_missing_odoo_says_where_it_looked_and_how_to_provide_it(tmp_path):
    missing = tmp_path / "no-odoo-here"
    for command in ("demo", "test", "shell", "generate"):
        result = run_ar(command, ODOO_PATH=str(missing))
        assert result.returncode == 2, result.stderr
        assert f"looked for {missing}/odoo/release.py" in result.stderr
        assert "ODOO_PATH=/path/to/odoo-18.0 ./ar demo" in result.stderr
        assert "docker compose up" in result.stderr


def test_other_odoo_version_is_refused(tmp_path):
    fake = tmp_path / "odoo17"
    (fake / "odoo").mkdir(parents=True)
    (fake / "odoo-bin").write_text("")
    (fake / "odoo" / "release.py").write_text("version_info = (17, 0, 0, FINAL, 0, '')\n")
    result = run_ar("demo", ODOO_PATH=str(fake))
    assert result.returncode == 2
    assert "is not Odoo 18.0" in result.stderr


def test_missing_postgresql_says_where_it_looked_and_how_to_provide_it(tmp_path):
    result = run_ar("demo", PG_BIN_DIRS=str(tmp_path / "no-postgres"))
    assert result.returncode == 2, result.stderr
    assert "PostgreSQL was not found" in result.stderr
    assert str(tmp_path / "no-postgres") in result.stderr
    assert "apt-get install postgresql" in result.stderr
    assert "PGHOST=" in result.stderr


def test_unknown_command_shows_usage():
    result = run_ar("frobnicate")
    assert result.returncode == 2
    assert "Usage: ./ar COMMAND" in result.stderr
    assert run_ar("help").stdout.startswith("Usage: ./ar COMMAND")
