"""The ``geoservice`` command line; each command group lives in its own module here."""
