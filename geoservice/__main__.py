"""`python -m geoservice` runs the command line."""

import sys

from geoservice.cli.main import main

sys.exit(main())
