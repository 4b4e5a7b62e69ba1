"""Files of tables prepared by the queue: a large range is built on a worker and kept
for its tenant to download when ready."""
