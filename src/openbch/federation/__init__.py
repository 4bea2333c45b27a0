"""National nodes: an instance set up for one country that mirrors the central clearing-house."""
