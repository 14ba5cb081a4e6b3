"""Spider middlewares (installed as ``newscrawl.spidermiddlewares``)."""
