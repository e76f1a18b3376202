"""Forms declared as data (fields, definitions) and the one engine that runs them (registry)."""
