"""Policy packs and the classification engine (POLICY.md rules as data)."""
