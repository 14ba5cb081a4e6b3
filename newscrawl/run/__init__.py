"""Run control: exit codes and failure reasons, JOBDIR checks, garbage-collector tuning, where
newscrawl keeps its files, its signals, and running crawls in this process."""
