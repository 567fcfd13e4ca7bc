"""``python -m bench.gis.serve_ours URL PORT``: geoservice under uvicorn, one process, no reload.

Run as its own process so it is measured like tipg, pygeoapi and MapServer (each its own
process), not sharing the benchmark client's interpreter.
"""

from __future__ import annotations

import sys

import uvicorn

from geoservice.settings import DatabaseSettings, Settings, WebSettings
from geoservice.web.app import create_app


def main(url: str, port: int) -> None:
    settings = Settings(database=DatabaseSettings(url=url, pool_size=4),
                        web=WebSettings(environment="test", basemap_url="", log_level="WARNING"))
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                access_log=False, lifespan="on")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
