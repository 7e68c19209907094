-- One row per MusicBrainz artist key asked about (raw.mb_artists), the answer's JSON read into columns.
-- Only a match (an MBID hit, a merged MBID's target, or an unambiguous name) describes our artist: an
-- ambiguous or unknown key keeps its row (it was asked) but no attributes, since its body is a search
-- list or a 404 body, never our artist.
--   country_code: the artist's `country`, else the first ISO 3166-1 code of its `area` (lookups carry
--                 both, search hits only `country`), upper case;
--   area_name:    the area's name (a country, or a city or region in real data); country_name is it
--                 when the area is that country (its type is Country or its code is the country's);
--   gender:       capitalised (lookups say "Male", search hits "male");
--   begin/end_year: the year of the life-span's partial dates ("1975", "1975-02", "1975-02-09");
--   mb_genres:    curated genres, most voted first (ties by name), comma-separated; lookups only
--                 (search hits carry tags, never genres), votes above zero.
with answers as (
    select
        artist_key,
        asked_mbid,
        asked_name,
        mbid,
        match,
        score,
        answer,
        fetched_at,
        match in ('mbid', 'merged', 'name') as is_matched,
        body
    from {{ source('musicbrainz', 'mb_artists') }}
),

parsed as (
    select
        *,
        upper(coalesce(nullif({{ json_text('body', '$.country') }}, ''),
                       {{ json_text('body', '$.area."iso-3166-1-codes"[0]') }})) as any_country_code,
        {{ json_text('body', '$.area.name') }} as any_area_name,
        {{ json_text('body', '$.area.type') }} as area_type,
        {{ json_text('body', '$.area."iso-3166-1-codes"[0]') }} as area_country_code,
        {{ json_text('body', '$.type') }} as any_type,
        {{ json_text('body', '$.gender') }} as any_gender,
        {{ safe_integer("substr(" ~ json_text('body', '$."life-span".begin') ~ ", 1, 4)") }} as any_begin_year,
        {{ safe_integer("substr(" ~ json_text('body', '$."life-span".end') ~ ", 1, 4)") }} as any_end_year,
        (
            select {{ dbt.listagg(json_text('genre', '$.name'), "', '",
                                  "order by " ~ safe_integer(json_text('genre', '$.count')) ~ " desc, "
                                  ~ json_text('genre', '$.name')) }}
            from {{ json_array_rows('body', '$.genres', 'genre') }}
            where {{ safe_integer(json_text('genre', '$.count')) }} > 0
        ) as any_genres
    from answers
)

select
    artist_key,
    asked_mbid,
    asked_name,
    case when is_matched then lower(mbid) end as mb_artist_mbid,
    match as mb_match,
    score,
    answer,
    fetched_at,
    is_matched,
    case when is_matched and length(any_country_code) = 2 then any_country_code end as country_code,
    case when is_matched and length(any_country_code) = 2
              and (area_type = 'Country' or upper(area_country_code) = any_country_code)
         then any_area_name end as country_name,
    case when is_matched then any_area_name end as area_name,
    case
        when not is_matched or any_type is null then null
        when any_type in ('Person', 'Group', 'Orchestra', 'Choir', 'Character', 'Other') then any_type
        else 'Other'
    end as artist_type,
    case when is_matched and any_gender is not null
         then concat(upper(substr(any_gender, 1, 1)), lower(substr(any_gender, 2))) end as gender,
    case when is_matched then any_begin_year end as begin_year,
    case when is_matched then any_end_year end as end_year,
    case when is_matched then any_genres end as mb_genres
from parsed
