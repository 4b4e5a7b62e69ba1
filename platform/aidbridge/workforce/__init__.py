"""The workforce context: a provider's roster of posts and its share of professional
social-work posts (NT21-SW-1, CJ21-SW-1, NX21-SW-1, CN21-SW-1)."""
