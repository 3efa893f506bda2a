"""A ClickHouse server on loopback from PyPI's chdb-core (no clickhouse-server binary needed).

usage: python clickhouse-server.py DATA_DIR HTTP_PORT TCP_PORT      stop: SIGTERM or SIGINT

chdb-core ships no server entry point; its module-level query() runs clickhouse-local, which opens
real HTTP and native listeners with SYSTEM START LISTEN. They live while that call runs, so its last
statement blocks reading a FIFO; a signal writes a line to the FIFO to end it. Exit code 1 when the
call ends on its own: a busy port or a data dir in use (the reason is on stderr).
"""
import os
import signal
import sys
import threading

data = os.path.abspath(sys.argv[1])
http_port, tcp_port = sys.argv[2], sys.argv[3]
os.makedirs(data, exist_ok=True)
os.chdir(data)  # clickhouse-local reads ./config.xml
with open("config.xml", "w") as config:
    config.write(
        "<clickhouse><listen_host>127.0.0.1</listen_host>"
        f"<http_port>{http_port}</http_port><tcp_port>{tcp_port}</tcp_port></clickhouse>"
    )
fifo = os.path.join(data, "stop.fifo")
if not os.path.exists(fifo):
    os.mkfifo(fifo)

import chdb._chdb as ch  # noqa: E402  (chdb.connect() cannot listen; the module-level query() can)


def serve():
    ch.query(
        "SYSTEM START LISTEN HTTP; SYSTEM START LISTEN TCP; "
        f"SELECT count() FROM file('{fifo}', 'LineAsString')",
        "CSV",
        path=os.path.join(data, "db"),
    )


server = threading.Thread(target=serve, daemon=True)
server.start()
stopping = []


def stop(*_):
    stopping.append(True)
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, b"x\n")
        os.close(fd)
    except OSError:
        pass  # no reader: the query has already ended


for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, stop)
while server.is_alive():
    server.join(0.5)
sys.exit(0 if stopping else 1)
