"""Applications (办件) for service items: forms, materials, the legal clock, joint handling."""
