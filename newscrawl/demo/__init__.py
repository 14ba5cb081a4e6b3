"""The loopback newsroom: an inkl-style aggregator and three publishers on 127.0.0.x.

Used by ``newscrawl demo`` and by the end-to-end tests. :mod:`.newsroom` builds the sites
(real publisher pages plus pages built from the seed text), :mod:`.templates` renders the
built pages, :mod:`.server` serves every site from one process, one loopback address per
host, all on the same port.
"""
