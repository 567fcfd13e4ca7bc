"""The deforestation-to-agriculture and legality checks, their findings and their review."""
