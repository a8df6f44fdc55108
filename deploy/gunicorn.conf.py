"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py -b HOST:PORT wsgi:app`.

One gevent worker per process (Flask-SocketIO serves a process's sockets from one worker; run
one process per core behind a load balancer with sticky sessions). The gevent worker
monkey-patches the standard library before it imports wsgi.py, so psycopg 3 (3.1.14 and later
detect the patched `select`), redis-py and simple-websocket all wait cooperatively: an idle
WebSocket holds a greenlet, and thousands fit in one process.
"""

import os

worker_class = "gevent"
workers = 1
# Open connections per process, WebSockets and page requests together: each needs a file
# descriptor, so the service's open-files limit must be above this (systemd LimitNOFILE).
worker_connections = int(os.environ.get("KAKEHASHI_WORKER_CONNECTIONS", "3000"))
# Set here, not in the shared environment, so `flask` commands keep their threads.
raw_env = ["KAKEHASHI_ASYNC_MODE=gevent"]
