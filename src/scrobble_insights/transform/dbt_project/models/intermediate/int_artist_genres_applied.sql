-- The artists' genres as the last build of mart_genre_share applied them: what the mart reads of
-- bridge_artist_genre and dim_genre (macro artist_genres_applied), copied after the mart is built (it
-- depends on the mart). The next build's int_genre_share_periods_changed compares it with the genres
-- then (finding it with adapter.get_relation, as int_track_plays_regenred_days finds mart_track_plays):
-- an artist's genres, their weights or a genre's family can change on any day (new tags, MusicBrainz
-- genres), and the periods holding that artist's plays must then be recomputed.
-- depends_on: {{ ref('mart_genre_share') }}
{{ artist_genres_applied() }}
