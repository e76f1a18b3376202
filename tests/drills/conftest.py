"""The fault drills of bench/drills.py in short: the real `chibo run` process, a few secretaries, seconds.

They assert what the bot promises whatever the timing of the faults: a confirmed form is stored exactly
once, a half-done form can be continued, nothing is stored in part, and the bot goes on by itself.
"""
