"""Reference and verification numbers for buyers: CSV export and lookup, XML enrichment, verify."""
