"""Socket.IO clients for bench.sockets: many connections in one process, on gevent.

python-socketio's threaded client gives each connection its own threads; a few hundred of them
in one process wait seconds for the GIL when one event wakes them all, which would measure the
load generator rather than the servers. Patched by gevent, those threads are greenlets.

Reads one JSON line on stdin ({"bases", "cookies", "question_id", "count", "offset"}), writes
{"connected", "failed"} when its clients watch the question, then waits for any line on stdin
and writes {"arrivals": [wall-clock seconds, …]} before it disconnects them.
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402 - after patching, as gevent requires
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
import socketio as sio  # noqa: E402
from gevent.pool import Pool  # noqa: E402


def main() -> None:
    job = json.loads(sys.stdin.readline())
    bases, cookies, qid = job["bases"], job["cookies"], job["question_id"]
    arrivals: list[float] = []
    clients: list[sio.Client] = []
    failed = 0

    def connect(i: int) -> None:
        nonlocal failed
        base = bases[(job["offset"] + i) % 2]
        client = sio.Client(reconnection=False)
        client.on("answer_posted", lambda _data: arrivals.append(time.time()))
        try:
            client.connect(
                base, headers={"Cookie": cookies[base]}, transports=["websocket"], wait_timeout=60
            )
            if client.call("watch_question", {"question_id": qid}, timeout=60) != {"ok": True}:
                raise RuntimeError("watch_question refused")
            clients.append(client)
        except Exception:  # noqa: BLE001 - counted and reported
            failed += 1

    Pool(20).map(connect, range(job["count"]))
    print(json.dumps({"connected": len(clients), "failed": failed}), flush=True)
    gevent.get_hub().threadpool.apply(sys.stdin.readline)  # a real thread: the hub keeps running
    print(json.dumps({"arrivals": arrivals}), flush=True)
    gevent.joinall([gevent.spawn(c.disconnect) for c in clients], timeout=30)


if __name__ == "__main__":
    main()
