"""docker-compose.yml can't run here (no Docker engine): check what it would do by reading it."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MODULES = "ar_relationship,ar_portal,ar_reports"


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_official_images():
    services = load()["services"]
    assert set(services) == {"db", "odoo-init", "odoo"}
    assert services["db"]["image"] == "postgres:16"
    assert services["odoo"]["image"] == services["odoo-init"]["image"] == "odoo:18.0"


def test_addons_and_config_are_mounted_with_named_volumes():
    compose = load()
    for name in ("odoo", "odoo-init"):
        mounts = compose["services"][name]["volumes"]
        assert "./addons:/mnt/extra-addons:ro" in mounts
        assert "./odoo.conf:/etc/odoo/odoo.conf:ro" in mounts
        assert "odoo-data:/var/lib/odoo" in mounts
    assert "db-data:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]
    assert set(compose["volumes"]) == {"db-data", "odoo-data"}
    for source in ("addons", "odoo.conf"):
        assert (ROOT / source).exists()


def test_healthchecks_and_start_order():
    services = load()["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "/web/health" in " ".join(services["odoo"]["healthcheck"]["test"])
    assert services["odoo-init"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["odoo"]["depends_on"]["odoo-init"]["condition"] == "service_completed_successfully"
    assert services["odoo"]["ports"] == ["8069:8069"]


def test_first_boot_installs_the_suite_once():
    init = load()["services"]["odoo-init"]
    script = " ".join(init["command"])
    assert f"-i {MODULES}" in script
    assert "-d ar_demo" in script and "--stop-after-init" in script
    # Installed already: the init step leaves the database alone.
    assert script.index("ir_module_module") < script.index("--stop-after-init")
    assert init["restart"] == "no"


def test_database_credentials_agree():
    services = load()["services"]
    db_env = services["db"]["environment"]
    odoo_env = services["odoo"]["environment"]
    assert (odoo_env["USER"], odoo_env["PASSWORD"]) == (db_env["POSTGRES_USER"], db_env["POSTGRES_PASSWORD"])
    conf = (ROOT / "odoo.conf").read_text()
    assert "db_user = odoo" in conf and "addons_path = /mnt/extra-addons" in conf
