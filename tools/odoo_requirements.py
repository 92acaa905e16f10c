"""Print Odoo's requirements.txt pinned as for Python 3.12.

Odoo 18.0's pins for Python 3.11 do not build on current pip/setuptools (old cbor2 needs
pkg_resources), while its pins for Python >= 3.12 ship wheels that work on 3.11 too.
python-ldap is skipped: it needs the OpenLDAP headers and no add-on of ours uses it.
"""

import sys

from pip._vendor.packaging.requirements import Requirement

ENV = {"python_version": "3.12", "python_full_version": "3.12.0", "sys_platform": "linux"}
SKIP = {"python-ldap"}


def main(path):
    with open(path, encoding="utf-8") as lines:
        raw_lines = lines.readlines()
    for raw in raw_lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.name.lower() in SKIP or (req.marker and not req.marker.evaluate(ENV)):
            continue
        req.marker = None
        print(req)


if __name__ == "__main__":
    main(sys.argv[1])
