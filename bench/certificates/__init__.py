"""Certificate registry benchmark: register extract import speed, search latency at 100 000."""
