"""MusicBrainz ws/2: the client (no pipeline knowledge) and the matching rules (pure functions)."""
