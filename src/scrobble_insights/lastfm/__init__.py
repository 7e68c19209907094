"""The last.fm web API: HTTP client, error codes and response parsing, with no pipeline knowledge."""
