"""Felling certificates (ciršanas apliecinājumi): model, rules, storage and sources."""
