"""Notices that reach people: an in-app list and the same notice as an SMS.

Any package calls :func:`core.notices.services.notify` inside its own transaction; one
event (its ``event_key``) makes one notice per user and at most one SMS, however often it
is announced. The SMS goes out after the transaction commits (see ``tasks``).
"""
