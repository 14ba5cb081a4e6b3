"""Fetch policy: what may be fetched (SSRF), hostile bodies, encodings, politeness, dead hosts."""
