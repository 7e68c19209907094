{#- Helpers of the incremental fact_scrobbles (see the model). -#}

{#- The work table that carries the changed days from the pre-hooks to the post-hooks. -#}
{% macro fact_changes_relation() -%}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ "__changes"})) }}
{%- endmacro %}

{#- User-days whose raw rows were (re)loaded after the fact last saw them: re-extracted days (late,
    deleted or edited scrobbles) and new days with plays. Compared day by day, not by one watermark. -#}
{% macro fact_changed_days(fact) -%}
    select e.user_name, e.utc_date
    from {{ ref('stg_lastfm__extracted_days') }} as e
    left join (
        select user_name, utc_date, max(day_loaded_at) as day_loaded_at
        from {{ fact }}
        group by user_name, utc_date
    ) as f on f.user_name = e.user_name and f.utc_date = e.utc_date
    where (f.day_loaded_at is null and e.scrobble_count > 0) or e.loaded_at > f.day_loaded_at
{%- endmacro %}

{#- Pre-hook 1: remember the changed days and the artists and tracks of the rows about to go. -#}
{% macro fact_scrobbles_record_changes() -%}
    {%- if is_incremental() -%}
    create or replace table {{ fact_changes_relation() }} as
    select c.user_name, c.utc_date, f.artist_key, f.track_key
    from ({{ fact_changed_days(this) }}) as c
    left join {{ this }} as f on f.user_name = c.user_name and f.utc_date = c.utc_date
    {%- else -%}
    select 1 as nothing_to_record
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook 2: remove the rows of changed days, so scrobbles deleted upstream disappear too. -#}
{% macro fact_scrobbles_delete_changed_days() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as target
    where exists (
        select 1 from {{ fact_changes_relation() }} as changed
        where changed.user_name = target.user_name and changed.utc_date = target.utc_date
    )
    {%- else -%}
    select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{#- Columns that depend on other rows or tables: the session (a gap of more than
    `session_gap_minutes` starts one), discovery flags (first play of an artist / track by the
    user) and the artist's primary genre. `rows` has scrobble_id, user_name, played_at_uts,
    artist_key, track_key. -#}
{% macro fact_derived_columns(rows) -%}
    select
        scrobble_id,
        session_started_at_uts,
        {{ surrogate_key(['user_name', 'session_started_at_uts']) }} as session_id,
        is_artist_discovery,
        is_track_discovery,
        genre_key
    from (
        select
            scrobble_id,
            user_name,
            max(case when is_session_start then played_at_uts end) over (
                partition by user_name order by played_at_uts, scrobble_id rows unbounded preceding
            ) as session_started_at_uts,
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

{#- Post-hook 1: sessions. A change at time t can only alter session starts from t on, so each
    user's rows from a day before their earliest changed day are recomputed, continuing the
    session of the last row before that point. -#}
{% macro fact_scrobbles_refresh_sessions() -%}
    {%- if is_incremental() -%}
    {%- set gap = var('session_gap_minutes') * 60 -%}
    update {{ this }} as target
    set session_started_at_uts = fresh.session_started_at_uts,
        session_id = {{ surrogate_key(['fresh.user_name', 'fresh.session_started_at_uts']) }}
    from (
        with bounds as (
            select user_name, min({{ date_to_unix_seconds('utc_date') }}) - 86400 as from_uts
            from {{ fact_changes_relation() }}
            group by user_name
        ),
        before_window as (
            select f.user_name, max(f.played_at_uts) as previous_uts
            from {{ this }} as f inner join bounds as b on b.user_name = f.user_name
            where f.played_at_uts < b.from_uts
            group by f.user_name
        ),
        previous as (
            select p.user_name, p.previous_uts, max(f.session_started_at_uts) as previous_session
            from before_window as p
            inner join {{ this }} as f on f.user_name = p.user_name and f.played_at_uts = p.previous_uts
            group by p.user_name, p.previous_uts
        ),
        flagged as (
            select
                f.scrobble_id, f.user_name, f.played_at_uts, p.previous_session,
                coalesce(
                    f.played_at_uts - lag(f.played_at_uts) over (
                        partition by f.user_name order by f.played_at_uts, f.scrobble_id),
                    f.played_at_uts - p.previous_uts,
                    {{ gap }} + 1
                ) > {{ gap }} as is_session_start
            from {{ this }} as f
            inner join bounds as b on b.user_name = f.user_name and f.played_at_uts >= b.from_uts
            left join previous as p on p.user_name = f.user_name
        )
        select
            scrobble_id,
            user_name,
            coalesce(
                max(case when is_session_start then played_at_uts end) over (
                    partition by user_name order by played_at_uts, scrobble_id rows unbounded preceding),
                previous_session
            ) as session_started_at_uts
        from flagged
    ) as fresh
    where target.scrobble_id = fresh.scrobble_id
      and target.session_started_at_uts != fresh.session_started_at_uts
    {%- else -%}
    select 1 as nothing_to_refresh
    {%- endif -%}
{%- endmacro %}

{#- Post-hook 2: discovery flags, for the (user, artist) or (user, track) pairs with a row on a
    changed day, before or after the change. `key` is artist_key or track_key. -#}
{% macro fact_scrobbles_refresh_discovery(key, flag) -%}
    {%- if is_incremental() -%}
    update {{ this }} as target
    set {{ flag }} = fresh.{{ flag }}
    from (
        with pairs as (
            select user_name, {{ key }} from {{ fact_changes_relation() }} where {{ key }} is not null
            union distinct
            select f.user_name, f.{{ key }}
            from {{ this }} as f
            inner join (select distinct user_name, utc_date from {{ fact_changes_relation() }}) as c
                on c.user_name = f.user_name and c.utc_date = f.utc_date
        )
        select
            f.scrobble_id,
            row_number() over (
                partition by f.user_name, f.{{ key }} order by f.played_at_uts, f.scrobble_id) = 1 as {{ flag }}
        from {{ this }} as f
        inner join pairs as p on p.user_name = f.user_name and p.{{ key }} = f.{{ key }}
    ) as fresh
    where target.scrobble_id = fresh.scrobble_id and target.{{ flag }} != fresh.{{ flag }}
    {%- else -%}
    select 1 as nothing_to_refresh
    {%- endif -%}
{%- endmacro %}

{#- Post-hook 3: the artist's primary genre may have changed (tags are refreshed every 90 days). -#}
{% macro fact_scrobbles_refresh_genres() -%}
    {%- if is_incremental() -%}
    update {{ this }} as target
    set genre_key = artist.primary_genre_key
    from {{ ref('dim_artist') }} as artist
    where artist.artist_key = target.artist_key and target.genre_key != artist.primary_genre_key
    {%- else -%}
    select 1 as nothing_to_refresh
    {%- endif -%}
{%- endmacro %}

{#- Post-hook 4: drop the work table. -#}
{% macro fact_scrobbles_drop_changes() -%}
    {%- if is_incremental() -%}
    drop table if exists {{ fact_changes_relation() }}
    {%- else -%}
    select 1 as nothing_to_drop
    {%- endif -%}
{%- endmacro %}
