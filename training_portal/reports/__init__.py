"""Partnership and trainer figures: pure rules and drawing here; queries in later modules."""
