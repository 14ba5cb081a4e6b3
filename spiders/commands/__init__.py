"""Project Scrapy commands (``COMMANDS_MODULE``): ``crawl`` with a failure exit code."""
