"""OPERATE: run the pipeline's steps as jobs (one lock, one run-log line, one alert per failure), and report on them: status, verify, logs, schedule."""
