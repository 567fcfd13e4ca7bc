"""Route modules, one per concern; ``ALL`` lists their tables in mounting order."""
