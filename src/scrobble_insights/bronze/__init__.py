"""BRONZE: the raw API answers, landed untouched (gzip JSON lines, one file per user and UTC day)."""
