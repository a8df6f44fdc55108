"""Flask extensions, created unbound and initialised in create_app()."""

import logging
import time

import socketio as python_socketio
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from redis.exceptions import RedisError

from community.config import redis_options
from community.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
socketio = SocketIO()
limiter = Limiter(key_func=get_remote_address)


PUBLISH_RETRY_AFTER = 5  # seconds without publishing after Redis failed


class RedisQueue(python_socketio.RedisManager):
    """The Socket.IO message queue on Redis, whose publishing gives up within its timeouts.

    python-socketio's manager shares one client, without timeouts, between the listening
    thread and publishing: a Redis that stops answering would hold the request that emits.
    Here publishing has its own client with short timeouts, and a failed push is a warning
    (live updates are best effort; the page shows the change on reload). The listener keeps
    a blocking read, which a read timeout would turn into reconnections every idle second.
    """

    def __init__(self, url: str, publish_options: dict, connect_timeout: float):
        super().__init__(
            url,
            channel="flask-socketio",  # Flask-SocketIO's channel: emitters elsewhere use it too
            redis_options={"socket_connect_timeout": connect_timeout, "socket_keepalive": True},
        )
        self._publish_options = publish_options
        self._publisher = None
        self._down_until = 0.0

    def _publish(self, data):
        import redis

        if time.monotonic() < self._down_until:
            return None  # Redis failed moments ago: do not make every request wait again
        try:
            if self._publisher is None:
                self._publisher = redis.Redis.from_url(self.redis_url, **self._publish_options)
            return self._publisher.publish(self.channel, self.json.dumps(data))
        except RedisError as exc:
            self._down_until = time.monotonic() + PUBLISH_RETRY_AFTER
            logging.getLogger("community.live").warning(
                "socket.io publish failed, live updates paused for %d s: %s",
                PUBLISH_RETRY_AFTER,
                exc,
            )
            return None


def socketio_queue(config) -> dict:
    """SocketIO.init_app options for the message queue: Redis when REDIS_URL is set."""
    url = config.get("REDIS_URL")
    if not url:
        # None rather than absent: Flask-SocketIO would keep an earlier app's queue otherwise.
        return {"client_manager": None}
    options = redis_options(config)
    return {"client_manager": RedisQueue(url, options, options["socket_connect_timeout"])}
