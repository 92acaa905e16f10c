from . import ar_touchpoint_log
