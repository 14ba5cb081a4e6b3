"""Repository-wide pytest configuration: keep doctest collection to importable modules."""

collect_ignore_glob = ["newscrawl/__main__.py", "newscrawl/store/migrations/*"]
