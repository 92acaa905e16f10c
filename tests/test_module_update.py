"""A module update (`odoo-bin -u ar_relationship,ar_portal,ar_reports`) on a database full of
data keeps every record and every setting, an administrator's edits of the suite's default
records (noupdate data) included.

On a copy of the test database (the suite with its demo book), an administrator edits a
follow-up level, a reminder template, a reason code, a cron and the company's AR settings;
every table of the suite's models and of the records it works on is counted, its settings read
in full; odoo-bin -u runs as a separate process, as on a server; everything is read again."""

import os
import subprocess
import sys
import time

import pytest

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.sql_db import close_db, db_connect
from odoo.tools import config

from .scratch_db import ODOO_BIN, database_copy, registry_of

MODULES = ("ar_relationship", "ar_portal", "ar_reports")
# The records the suite works on besides its own models.
CORE_TABLES = (
    "res_partner",
    "res_users",
    "account_move",
    "account_move_line",
    "account_payment",
    "account_partial_reconcile",
    "payment_transaction",
    "mail_message",
    "mail_activity",
    "mail_followers",
    "ir_attachment",
)
# Settings compared row by row: (table, columns, where) with %(modules)s for the suite's records.
SETTINGS = {
    "follow-up levels": "SELECT * FROM ar_followup_level ORDER BY id",
    "reason codes": "SELECT * FROM ar_reason_code ORDER BY id",
    "dispute teams": "SELECT * FROM ar_dispute_team ORDER BY id",
    "dispute routing": "SELECT * FROM ar_dispute_routing ORDER BY id",
    "system parameters": "SELECT key, value FROM ir_config_parameter ORDER BY key",
    "suite's mail templates": """
        SELECT t.id, t.name, t.subject, t.body_html, t.email_from, t.email_to, t.lang, t.active
          FROM mail_template t JOIN ir_model_data d ON d.model = 'mail.template' AND d.res_id = t.id
         WHERE d.module IN %(modules)s ORDER BY t.id""",
    "suite's crons": """
        SELECT c.id, c.active, c.interval_number, c.interval_type, c.nextcall, c.priority, c.user_id
          FROM ir_cron c JOIN ir_model_data d ON d.model = 'ir.cron' AND d.res_id = c.id
         WHERE d.module IN %(modules)s ORDER BY c.id""",
    "suite's record rules": """
        SELECT r.id, r.name, r.domain_force, r.active, r.perm_read, r.perm_write, r.perm_create, r.perm_unlink
          FROM ir_rule r JOIN ir_model_data d ON d.model = 'ir.rule' AND d.res_id = r.id
         WHERE d.module IN %(modules)s ORDER BY r.id""",
    "installed modules": "SELECT name, state FROM ir_module_module WHERE state = 'installed' ORDER BY name",
}
# Columns an update may touch without changing anything a user set.
VOLATILE = {"write_date", "write_uid"}


def snapshot(dbname):
    """Row counts of every table of the suite's models and of the core records, the AR columns
    of every company, and the suite's settings row by row."""
    with db_connect(dbname).cursor() as cr:
        cr.execute(
            """SELECT m.model FROM ir_model m JOIN ir_model_data d ON d.model = 'ir.model' AND d.res_id = m.id
                WHERE d.module IN %s AND NOT m.transient""",
            [MODULES],
        )
        tables = sorted({model.replace(".", "_") for (model,) in cr.fetchall()} | set(CORE_TABLES))
        counts = {}
        for table in tables:
            cr.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
            if cr.fetchone()[0]:
                cr.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names read from the catalog
                counts[table] = cr.fetchone()[0]
        cr.execute(
            """SELECT column_name FROM information_schema.columns
                WHERE table_name = 'res_company' AND column_name LIKE 'ar\\_%%' ORDER BY column_name"""
        )
        columns = [name for (name,) in cr.fetchall()]
        cr.execute(f"SELECT id, {', '.join(columns)} FROM res_company ORDER BY id")  # noqa: S608
        settings = {"company AR settings": cr.dictfetchall()}
        for name, query in SETTINGS.items():
            cr.execute(query, {"modules": MODULES})
            settings[name] = [{k: v for k, v in row.items() if k not in VOLATILE} for row in cr.dictfetchall()]
    return counts, settings


def edit_as_an_administrator(env):
    """What an administrator changes in the suite's defaults, all of it noupdate data."""
    level = env.ref("ar_relationship.ar_followup_level_first")
    level.write({"delay": 5, "name": "Friendly reminder (ours)", "min_amount": 25.0})
    level.mail_template_id.body_html = "<p>Dear customer, our own words.</p>" + (level.mail_template_id.body_html or "")
    env.ref("ar_relationship.ar_followup_level_final").approval = "auto"
    reason = env["ar.reason.code"].search([], limit=2)
    reason[0].name = "Renamed by the administrator"
    reason[1].active = False
    cron = env.ref("ar_relationship.ir_cron_ar_followup")
    cron.write({"interval_number": 2, "active": False})
    env.company.write({"ar_grace_days": 7, "ar_followup_human_amount": 12345.0})


def test_module_update_keeps_every_record_and_setting():
    if not config.rcfile or not ODOO_BIN.is_file():
        pytest.skip("needs Odoo's odoo-bin and the configuration file given to pytest-odoo (--odoo-config)")
    started = time.monotonic()
    with database_copy("update") as dbname:
        registry = registry_of(dbname)
        with registry.cursor() as cr:
            edit_as_an_administrator(api.Environment(cr, SUPERUSER_ID, {}))
        # The update runs in its own process, as on a server: nothing of ours may hold the database.
        Registry.delete(dbname)
        close_db(dbname)
        counts, settings = snapshot(dbname)
        with db_connect(dbname).cursor() as cr:
            cr.execute("SELECT now() AT TIME ZONE 'UTC'")
            before_update = cr.fetchone()[0]
        close_db(dbname)
        environ = dict(
            os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ODOO_BIN.parent), os.environ.get("PYTHONPATH")]))
        )
        result = subprocess.run(
            [sys.executable, str(ODOO_BIN), "-c", config.rcfile, "-d", dbname, "-u", ",".join(MODULES)]
            + ["--stop-after-init", "--log-level=warn", "--no-http"],
            env=environ,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        errors = [line for line in result.stderr.splitlines() if " ERROR " in line or " CRITICAL " in line]
        assert not errors, "\n".join(errors)
        counts_after, settings_after = snapshot(dbname)
        with db_connect(dbname).cursor() as cr:
            # The update did run: the suite's views were loaded again from its XML files.
            cr.execute(
                """SELECT count(*) FROM ir_ui_view v JOIN ir_model_data d ON d.model = 'ir.ui.view' AND d.res_id = v.id
                    WHERE d.module IN %s AND v.write_date >= %s""",
                [MODULES, before_update],
            )
            reloaded_views = cr.fetchone()[0]
        close_db(dbname)
        assert reloaded_views > 20

    assert counts_after == counts
    for name, rows in settings.items():
        assert settings_after[name] == rows, name
    # The edits are there (not merely equal before and after: the edits themselves).
    levels = {row["id"]: row for row in settings_after["follow-up levels"]}
    assert any(row["delay"] == 5 and row["name"]["en_US"] == "Friendly reminder (ours)" for row in levels.values())
    templates = settings_after["suite's mail templates"]
    assert any("our own words" in (row["body_html"] or {}).get("en_US", "") for row in templates)
    assert all(row["ar_grace_days"] == 7 for row in settings_after["company AR settings"][:1])
    assert sum(counts.values()) > 10000, "a database full of data"
    print(
        f"module update: {len(counts)} tables, {sum(counts.values())} records and "
        f"{sum(len(rows) for rows in settings.values())} setting rows identical after -u "
        f"({reloaded_views} views reloaded) "
        f"({time.monotonic() - started:.0f} s)"
    )
