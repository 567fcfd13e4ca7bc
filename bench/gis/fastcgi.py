"""FastCGI peers of the benchmark: MapServer (and QGIS Server) as deployed, behind nginx.

``spawn-fcgi`` starts a pool of long-lived FastCGI processes (one per core) on a local port,
nginx speaks HTTP to the client and FastCGI to the pool — the usual production set-up, with no
process start per request (the CGI comparison of issue 7 paid one). Every process is started
here and stopped by its process id.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

NGINX_CONF = """
user root;
worker_processes 2;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {work}/nginx-body;
  fastcgi_temp_path {work}/nginx-fastcgi;
  proxy_temp_path {work}/nginx-proxy;
  uwsgi_temp_path {work}/nginx-uwsgi;
  scgi_temp_path {work}/nginx-scgi;
  server {{
    listen 127.0.0.1:{port};
{locations}
  }}
}}
"""
LOCATION = """
    location {path} {{
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_NAME {path};
{params}
      fastcgi_pass 127.0.0.1:{fcgi_port};
      fastcgi_read_timeout 300s;
      fastcgi_buffers 64 64k;
    }}
"""
_PID = re.compile(rb"PID:\s*(\d+)")


def missing() -> str | None:
    for tool in ("nginx", "spawn-fcgi"):
        if shutil.which(tool) is None:
            return (f"{tool} is not installed: `scripts/system-deps.sh bench` installs nginx, "
                    "spawn-fcgi, mapserver-bin and qgis-server.")
    return None


@contextmanager
def pool(argv: list[str], port: int, env: dict[str, str], workdir: Path,
         children: int = 2) -> Iterator[list[int]]:
    """``children`` FastCGI processes of ``argv`` on 127.0.0.1:``port`` (spawn-fcgi)."""
    name = Path(argv[0]).name
    log = workdir / f"{name}.log"
    with log.open("ab") as err:
        done = subprocess.run(["spawn-fcgi", "-a", "127.0.0.1", "-p", str(port), "-F",
                               str(children), "--", *argv], env=env, cwd=workdir,
                              stdout=subprocess.PIPE, stderr=err, check=True)
    pids = [int(p) for p in _PID.findall(done.stdout)]
    if len(pids) != children:
        raise RuntimeError(f"spawn-fcgi started {len(pids)} of {children} {name}: "
                           f"{done.stdout[-300:]!r}")
    try:
        yield pids
    finally:
        _stop(pids)


def _stop(pids: list[int], grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL for what is left: mapserv's FastCGI loop ignores SIGTERM while it
    waits for a request (the first runs left its pools behind)."""
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in alive if _alive(pid)]
    for pid in alive:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def nginx_conf(workdir: Path, port: int, locations: list[tuple[str, int, dict[str, str]]]
               ) -> Path:
    """An nginx configuration: each (path, FastCGI port, extra FastCGI parameters)."""
    for sub in ("nginx-body", "nginx-fastcgi", "nginx-proxy", "nginx-uwsgi", "nginx-scgi"):
        (workdir / sub).mkdir(exist_ok=True)
    blocks = "".join(LOCATION.format(
        path=path, fcgi_port=fcgi_port,
        params="".join(f"      fastcgi_param {k} {v};\n" for k, v in params.items()))
        for path, fcgi_port, params in locations)
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=workdir, port=port, locations=blocks))
    return conf
