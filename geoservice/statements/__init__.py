"""Due diligence statements: building, rules, the TRACES outbox and worker, mandates, billing."""
