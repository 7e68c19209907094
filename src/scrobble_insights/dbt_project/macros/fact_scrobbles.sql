{#- Helpers of the incremental fact_scrobbles (see the model). -#}

{#- User-days whose raw rows were (re)loaded after the fact last saw them: new, re-extracted
    (late or deleted scrobbles) and never-seen days. Compared day by day, not by one watermark. -#}
{% macro fact_changed_days(fact) -%}
    select e.user_name, e.utc_date, e.loaded_at
    from {{ ref('stg_lastfm__extracted_days') }} as e
    left join (
        select user_name, utc_date, max(day_loaded_at) as day_loaded_at
        from {{ fact }}
        group by user_name, utc_date
    ) as f on f.user_name = e.user_name and f.utc_date = e.utc_date
    where f.day_loaded_at is null or e.loaded_at > f.day_loaded_at
{%- endmacro %}

{#- Pre-hook: remove the rows of changed days, so scrobbles deleted upstream disappear too. -#}
{% macro fact_scrobbles_delete_changed_days() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as target
    where exists (
        select 1 from ({{ fact_changed_days(this) }}) as changed
        where changed.user_name = target.user_name and changed.utc_date = target.utc_date
    )
    {%- else -%}
    select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{#- Columns that depend on other days or on other tables: session id (a gap of more than
    `session_gap_minutes` starts a session), discovery flags (first play of an artist / track by
    the user) and the artist's current primary genre. `rows` has scrobble_id, user_name,
    played_at_uts, artist_key, track_key. -#}
{% macro fact_derived_columns(rows) -%}
    select
        scrobble_id,
        {{ surrogate_key(['user_name', 'session_start_uts']) }} as session_id,
        is_artist_discovery,
        is_track_discovery,
        genre_key
    from (
        select
            scrobble_id,
            user_name,
            max(case when is_session_start then played_at_uts end) over (
                partition by user_name order by played_at_uts, scrobble_id rows unbounded preceding
            ) as session_start_uts,
            is_artist_discovery,
            is_track_discovery,
            genre_key
        from (
            select
                r.scrobble_id,
                r.user_name,
                r.played_at_uts,
                coalesce(
                    r.played_at_uts - lag(r.played_at_uts) over (
                        partition by r.user_name order by r.played_at_uts, r.scrobble_id),
                    {{ var('session_gap_minutes') }} * 60 + 1
                ) > {{ var('session_gap_minutes') }} * 60 as is_session_start,
                row_number() over (
                    partition by r.user_name, r.artist_key order by r.played_at_uts, r.scrobble_id) = 1
                    as is_artist_discovery,
                row_number() over (
                    partition by r.user_name, r.track_key order by r.played_at_uts, r.scrobble_id) = 1
                    as is_track_discovery,
                a.primary_genre_key as genre_key
            from {{ rows }} as r
            inner join {{ ref('dim_artist') }} as a on a.artist_key = r.artist_key
        ) as flagged
    ) as sessions
{%- endmacro %}

{#- Post-hook: after an incremental run, bring the derived columns of every row up to date
    (a late scrobble can split a session or move a first play); only rows that differ are written. -#}
{% macro fact_scrobbles_refresh_derived() -%}
    {%- if is_incremental() -%}
    update {{ this }} as target
    set session_id = derived.session_id,
        is_artist_discovery = derived.is_artist_discovery,
        is_track_discovery = derived.is_track_discovery,
        genre_key = derived.genre_key
    from ({{ fact_derived_columns(this) }}) as derived
    where target.scrobble_id = derived.scrobble_id
      and (target.session_id != derived.session_id
           or target.is_artist_discovery != derived.is_artist_discovery
           or target.is_track_discovery != derived.is_track_discovery
           or target.genre_key != derived.genre_key)
    {%- else -%}
    select 1 as nothing_to_refresh
    {%- endif -%}
{%- endmacro %}
