"""Policy packs: every tenant reads the pack it follows; the operator publishes versions."""
