"""Alembic migrations for the newscrawl schema (applied by ``newscrawl db upgrade``)."""
