"""Defaults the core applies and `--help` shows: one home for each, importing nothing so that `--help` stays cheap."""

NEW_PER_DAY = 20  # new cards introduced a day
REVIEWS_PER_DAY = 200  # reviews a day
DEFAULT_RETENTION = 0.9  # the probability of recall FSRS schedules for
LEARNING_STEPS_MINUTES = (1, 10)  # waits between the first answers to a new card
RELEARNING_STEPS_MINUTES = (10,)  # waits after a forgotten review
MAXIMUM_INTERVAL = 36500  # days between reviews at most (fsrs's own default, 100 years)
LEECH_LAPSES = 8  # lapses that make a card a leech (Anki's default); flagged again every half threshold after it
EXAM_PASS_MARK = 72  # percent: a practice exam's pass mark (AWS associate exams pass at 720 of 1000)
DEFAULT_DECK = "Serverless Study"  # the parent deck of an Anki export
