"""Households: registration, economic facts, classification decisions, personal data."""
