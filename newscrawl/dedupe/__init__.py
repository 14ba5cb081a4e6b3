"""What counts as the same article: pure functions, no database.

``urls`` (canonical URLs), ``publisher`` (publisher keys), ``fingerprint`` (exact hash,
MinHash LSH band keys), ``rules`` (same article / same story), ``merge`` (best of two
versions), ``prepare`` (Article -> what storage matches on), ``validate`` (what cannot be
stored). ``newscrawl.store`` applies them inside its write transaction.
"""
