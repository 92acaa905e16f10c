"""odoo-bin, with a listen backlog that holds every session of the bench's load case at once.

Odoo's multi-worker server listens with a backlog of 8 connections per worker (32 for 4
workers). The load case opens 50 connections at once against 4 workers: the kernel dropped the
connections beyond the backlog, the clients waited seconds to retry, and a few were reset. In
production a reverse proxy in front of Odoo holds those connections; here the backlog does.
Run as `python -m tests.bench.odoo_bin ODOO-BIN-ARGS`.
"""

import os
import sys

os.environ["TZ"] = "UTC"  # as odoo-bin, before Odoo reads the time

import odoo  # noqa: E402
from odoo.service import server  # noqa: E402

BACKLOG = 256


def _start_with_backlog(self, start=server.PreforkServer.start):
    start(self)
    if self.socket:
        # listen() again on a listening socket only changes its backlog.
        self.socket.listen(BACKLOG)


server.PreforkServer.start = _start_with_backlog

if __name__ == "__main__":
    sys.exit(odoo.cli.main())
