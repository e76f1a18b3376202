"""Scheduled work: the outbox (exactly-once delivery, quiet hours, flood control) and the scheduler
that asks storage what is due and queues it."""
