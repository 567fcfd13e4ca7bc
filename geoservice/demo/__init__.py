"""Demo data: land-use layers of Jumurdas pagasts built around the simulator's certificates."""
