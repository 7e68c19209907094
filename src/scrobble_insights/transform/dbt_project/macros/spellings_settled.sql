{#- The first UTC day whose scrobbles int_scrobble_spellings aggregates at every build: the first day of the
    month two months before that of the last extracted day (1 January for a last day in March), so 2 to 3
    months of the history. Its plays before that day come from int_scrobble_spellings_settled, which a
    build recomputes only when that day moves (once a month) or when scrobbles before it changed.
    1970-01-01 when nothing is extracted yet (every play is then after it). -#}
{% macro spellings_settled_before() -%}
(select coalesce(
     cast({{ dbt.dateadd('month', -2, dbt.date_trunc('month', 'max(utc_date)')) }} as date),
     cast('1970-01-01' as date))
 from {{ ref('stg_lastfm__extracted_days') }})
{%- endmacro %}

{#- The columns that name a spelling as scrobbled: names and the MusicBrainz ids last.fm gave with them -#}
{% macro spelling_columns() -%}
    {{ return(['artist_name', 'artist_mbid', 'track_name', 'track_mbid', 'album_name', 'album_mbid']) }}
{%- endmacro %}

{#- Plays per spelling as scrobbled, of the scrobbles (stg_lastfm__scrobbles) that `condition` selects -#}
{% macro spelling_plays(condition) -%}
select
    {{ spelling_columns() | join(', ') }},
    count(*) as plays,
    min(played_at_utc) as first_played_at_utc,
    max(played_at_utc) as last_played_at_utc
from {{ ref('stg_lastfm__scrobbles') }}
where {{ condition }}
group by {{ spelling_columns() | join(', ') }}
{%- endmacro %}

{#- A scalar subquery: the latest loaded_at of the extracted days before a day (null when none) -#}
{% macro loaded_until(before) -%}
(select max(loaded_at) from {{ ref('stg_lastfm__extracted_days') }} where utc_date < {{ before }})
{%- endmacro %}
