"""Households: registration, economic facts, classification decisions (and, next,
assessments and reviews)."""
