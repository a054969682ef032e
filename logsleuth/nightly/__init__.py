"""The nightly cron run: what is new since the last run (``summary``), and the state
file that remembers where each input stopped and what was already reported (``state``)."""
