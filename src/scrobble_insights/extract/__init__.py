"""EXTRACT: the last.fm API -> bronze (scrobble windows, artist tags, checkpoints); writes nothing else."""
