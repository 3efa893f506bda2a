"""A ClickHouse server on loopback from PyPI's chdb-core (no clickhouse-server binary needed).

usage: python clickhouse-server.py DATA_DIR HTTP_PORT TCP_PORT      stop: SIGTERM or SIGINT

chdb-core ships no server entry point; its module-level query() runs clickhouse-local, which opens
real HTTP and native listeners with SYSTEM START LISTEN. They live while that call runs, so its last
statement blocks reading a FIFO; a signal writes a line to the FIFO to end it. Exit code 1 when the
call ends on its own: a busy port or a data dir in use (the reason is on stderr).

Secure mode (TRIBUTARY_CLICKHOUSE_ADMIN_PASSWORD set, DATA_DIR/users.xml written by the caller): the
users of users.xml instead of an open `default`. The embedded session always runs as `default` with no
password, so `default` may do only what this launcher needs (start the listeners, read system.numbers):
its blocking statement sleeps on system.numbers instead of reading the FIFO (a file() read would need a
grant that reads any file), and a signal ends it with KILL QUERY sent as the admin over HTTP.
"""
import base64
import os
import signal
import sys
import threading
import urllib.request

data = os.path.abspath(sys.argv[1])
http_port, tcp_port = sys.argv[2], sys.argv[3]
os.makedirs(data, exist_ok=True)
os.chdir(data)  # clickhouse-local reads ./config.xml
admin_password = os.environ.get("TRIBUTARY_CLICKHOUSE_ADMIN_PASSWORD", "")
listeners = f"<listen_host>127.0.0.1</listen_host><http_port>{http_port}</http_port><tcp_port>{tcp_port}</tcp_port>"
with open("config.xml", "w") as config:
    config.write(f"<clickhouse>{listeners}</clickhouse>")
fifo = os.path.join(data, "stop.fifo")
if not os.path.exists(fifo):
    os.mkfifo(fifo)

import chdb._chdb as ch  # noqa: E402  (chdb.connect() cannot listen; the module-level query() can)

# Importing chdb opens a session with ./config.xml, which must not have the users yet.
SLEEPER = "SELECT count() FROM system.numbers WHERE sleepEachRow(0.5) SETTINGS max_block_size = 1"
if admin_password:
    with open("config.xml", "w") as config:
        config.write(
            f"<clickhouse>{listeners}<user_directories><users_xml><path>users.xml</path></users_xml></user_directories></clickhouse>"
        )
    blocking = SLEEPER
else:
    blocking = f"SELECT count() FROM file('{fifo}', 'LineAsString')"


def serve():
    ch.query(
        "SYSTEM START LISTEN HTTP; SYSTEM START LISTEN TCP; " + blocking,
        "CSV",
        path=os.path.join(data, "db"),
    )


server = threading.Thread(target=serve, daemon=True)
server.start()
stopping = []


def kill_sleeper():
    query = f"KILL QUERY WHERE query = '{SLEEPER}' SYNC".encode()
    token = base64.b64encode(f"admin:{admin_password}".encode()).decode()
    request = urllib.request.Request(f"http://127.0.0.1:{http_port}/", data=query, headers={"Authorization": f"Basic {token}"})
    try:
        urllib.request.urlopen(request, timeout=5).read()
    except OSError:
        pass  # the listener is gone: the query has already ended


def stop(*_):
    stopping.append(True)
    if admin_password:
        threading.Thread(target=kill_sleeper, daemon=True).start()
        return
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
