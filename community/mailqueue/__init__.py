"""The mail outbox: mail is a row written in the transaction that caused it, sent by a worker.

`community.mail.queue()` adds an `OutgoingMail` row to the current session. A request (or CLI
command) that rolls back therefore queues nothing, and one that commits cannot lose its mail:
the row stays until a worker has handed it to the SMTP server. The worker (worker.py) claims
due rows one at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a claim UPDATE on SQLite),
sends, and records the outcome; failures are retried with backoff and, after the last attempt,
shown to admins on /admin/mail. See README "Mail".
"""
