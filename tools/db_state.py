"""Answer the launcher's questions about a database, through the server odoo.conf names.

db_state.py CONF DB MOD1,MOD2   exit 0 when DB exists with every module installed
db_state.py CONF DB --drop      drop DB when it exists
"""

import configparser
import sys

import psycopg2
from psycopg2 import sql


def connect(conf_path, dbname):
    conf = configparser.ConfigParser()
    conf.read(conf_path)
    opts = conf["options"]
    params = {"dbname": dbname}
    for key in ("host", "port", "user", "password"):
        value = opts.get(f"db_{key}", "").strip()
        if value and value != "False":
            params[key] = value
    return psycopg2.connect(**params)


def main(conf_path, dbname, what):
    cnx = connect(conf_path, "postgres")
    cnx.autocommit = True
    with cnx.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        exists = bool(cr.fetchone())
        if what == "--drop":
            if exists:
                cr.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    [dbname],
                )
                cr.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(dbname)))
            return 0
    if not exists:
        return 1
    modules = what.split(",")
    with connect(conf_path, dbname) as db, db.cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM ir_module_module WHERE name = ANY(%s) AND state = 'installed'",
            [modules],
        )
        return 0 if cr.fetchone()[0] == len(modules) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
