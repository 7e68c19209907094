-- Every spelling of every artist as scrobbled, with its plays: how dim_artist's one row per artist came
-- about (which spellings were merged, by what rule, and which one is shown).
select
    artist_name as artist_name_as_scrobbled,
    artist_key,
    displayed_name as artist_name,
    corrected_name,
    folded_name,
    artist_mbid,
    plays,
    first_played_at_utc,
    last_played_at_utc,
    is_displayed,
    has_tags,
    coalesce(artist_name = tags_artist_name, false) as is_tags_source
from {{ ref('int_artist_names_resolved') }}
