"""Land-use check benchmark: national-scale synthetic layers, batch and API timings."""
