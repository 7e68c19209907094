-- Each scrobble with the time zone in force for its user at that instant, and its local wall time.
-- A user who moved has several zone periods; DST comes from the IANA zone rules (macro localize_scrobbles).
{{ localize_scrobbles(ref('stg_lastfm__scrobbles'), ref('stg_reference__user_timezones')) }}
