"""Defaults the core applies and `--help` shows: one home for each, importing nothing so that `--help` stays cheap."""

NEW_PER_DAY = 20  # new cards introduced a day
REVIEWS_PER_DAY = 200  # reviews a day
DEFAULT_RETENTION = 0.9  # the probability of recall FSRS schedules for
DEFAULT_DECK = "Serverless Study"  # the parent deck of an Anki export
