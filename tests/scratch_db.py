"""A copy of the database pytest-odoo tests on, with its filestore, for the tests that need data
committed for real (several transactions at once, a server process of its own); dropped after.

The copy is made with PostgreSQL's CREATE DATABASE ... TEMPLATE, which takes seconds, from the
database named by the Odoo configuration (`./ar test`: ar_test, with the suite and its demo book).
"""

import contextlib
import shutil
import time
import uuid
from pathlib import Path

import psycopg2
import pytest

import odoo
from odoo.modules.registry import Registry
from odoo.sql_db import close_db, db_connect
from odoo.tools import SQL, config

ODOO_BIN = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"


def source_database():
    """The database pytest-odoo runs on; the test is skipped, saying why, without one."""
    name = config["db_name"]
    if not name:
        pytest.skip("needs an Odoo database with the suite: run through pytest-odoo (--odoo-config, --odoo-database)")
    return name.split(",")[0]


def registry_of(dbname):
    """The Odoo registry of `dbname`, loaded as a server loads it (pytest-odoo's test mode would
    run the add-ons' tests while loading)."""
    testing = config["test_enable"]
    config["test_enable"] = False
    try:
        return Registry(dbname)
    finally:
        config["test_enable"] = testing


@contextlib.contextmanager
def admin_cursor():
    """A cursor on the server's maintenance database, outside any transaction."""
    with contextlib.closing(db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        yield cr


@contextlib.contextmanager
def database_copy(purpose):
    """Yield the name of a fresh copy of the test database and its filestore; drop both after."""
    source = source_database()
    name = f"{source}_{purpose}_{uuid.uuid4().hex[:8]}"
    with admin_cursor() as cr:
        for _attempt in range(20):
            # A template must have no session: this process's idle connections go first (its
            # registry opens new ones when it needs them).
            close_db(source)
            try:
                cr.execute(SQL("CREATE DATABASE %s TEMPLATE %s", SQL.identifier(name), SQL.identifier(source)))
                break
            except psycopg2.errors.ObjectInUse:
                time.sleep(0.5)
        else:
            pytest.fail(f"database {source} is in use by another process: it cannot be copied")
    filestore = Path(config.filestore(source))
    if filestore.is_dir():
        shutil.copytree(filestore, config.filestore(name))
    try:
        yield name
    finally:
        Registry.delete(name)
        close_db(name)
        with admin_cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid != pg_backend_pid()",
                [name],
            )
            cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))
        shutil.rmtree(config.filestore(name), ignore_errors=True)
