"""好差评: ratings of service events (applications, windows, the 12345 hotline)."""
