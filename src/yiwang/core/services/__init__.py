"""Write services of the core app, split by sub-domain."""
