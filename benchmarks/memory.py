"""A benchmark client's own peak memory."""

from __future__ import annotations

import resource


def peak_rss_mb() -> float:
    """This process's peak resident set in MB: Linux's ``VmHWM``, the high-water mark of its own
    address space, which starts at ``exec``.

    Not ``ru_maxrss``: it keeps the peak of the image ``exec`` replaced, and a client forked from a
    runner starts out with the runner's resident memory. A runner that had just loaded 1,000,000
    rows into PostgreSQL made its client report 233-240 MB where the client itself peaked at 154 MB.
    ``ru_maxrss`` remains the fallback where ``/proc`` is missing.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
