{#- The custom incremental strategy `replace_user_days` (dbt >= 1.6 custom strategies: a model sets
    incremental_strategy='replace_user_days', dbt calls get_incremental_replace_user_days_sql(arg_dict)).
    It replaces whole (user_name, utc_date) days of the target: deletes every row of every changed day,
    including days whose re-extraction now has zero scrobbles (no new row can carry their key, so a
    merge or delete+insert on the new rows would keep them), then inserts the new rows. One
    transaction: dbt's own on DuckDB, an explicit one on BigQuery. See docs/decisions/0003. -#}

{#- The user-days to rebuild, as distinct (user_name, utc_date), for a target with user_name, utc_date,
    day_loaded_at, artist_name_as_scrobbled and artist_key columns. The rule, day by day (not one
    watermark, so an old day re-extracted later is caught even when newer days were built since):
      - a day the target holds is changed when stg_lastfm__extracted_days.loaded_at is newer than the
        day_loaded_at its rows carry (re-extracted since: late, deleted or edited scrobbles, possibly
        none left);
      - a day the target does not hold is changed when its extraction has plays (a new day); one
        extracted with zero plays needs nothing, and must not count, or it would be rebuilt forever;
      - a day the target holds is changed when a spelling on it now resolves to another artist
        (int_artist_names_resolved: a tag answer or a new spelling that came later merged it), so its
        artist, track and album keys are taken again. Usually no day: the join finds no mismatch.
    int_user_days_changed applies this rule to the fact before the fact is built; the model selects the
    new rows of the days it lists and the strategy deletes those days, so both name the same days. -#}
{% macro changed_user_days(target) -%}
    select distinct user_name, utc_date
    from (
        select e.user_name, e.utc_date
        from {{ ref('stg_lastfm__extracted_days') }} as e
        left join (
            select user_name, utc_date, max(day_loaded_at) as day_loaded_at
            from {{ target }}
            group by user_name, utc_date
        ) as f on f.user_name = e.user_name and f.utc_date = e.utc_date
        where (f.day_loaded_at is null and e.scrobble_count > 0) or e.loaded_at > f.day_loaded_at
        union all
        select r.user_name, r.utc_date
        from {{ target }} as r
        inner join {{ ref('int_artist_names_resolved') }} as n on n.artist_name = r.artist_name_as_scrobbled
        where n.artist_key <> r.artist_key
    ) as days
{%- endmacro %}

{% macro get_incremental_replace_user_days_sql(arg_dict) -%}
    {{ return(adapter.dispatch('get_incremental_replace_user_days_sql')(arg_dict)) }}
{%- endmacro %}

{#- The DELETE's condition: the row's day changed (int_user_days_changed, which this build computed
    with changed_user_days before the target changed: the days the model selected), or (belt and
    braces) its unique key is among the new rows. The earliest changed day first: one bound DuckDB
    applies while it scans the target, before the per-day exists. -#}
{% macro replace_user_days_condition(arg_dict, alias) -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- if key is not none and key is not string -%}
        {{ exceptions.raise_compiler_error("replace_user_days takes one unique_key column, not " ~ key) }}
    {%- endif -%}
    {%- set changed = user_days_changed_relation() -%}
    ({{ alias }}.utc_date >= (select min(utc_date) from {{ changed }})
     and exists (
        select 1
        from {{ changed }} as changed
        where changed.user_name = {{ alias }}.user_name and changed.utc_date = {{ alias }}.utc_date
    ))
    {%- if key %}
    or {{ alias }}.{{ key }} in (select {{ key }} from {{ arg_dict['temp_relation'] }})
    {%- endif -%}
{%- endmacro %}

{#- DuckDB (and any adapter without its own): dbt's incremental materialization already runs the
    strategy's statements inside its transaction. -#}
{% macro default__get_incremental_replace_user_days_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }} as old
    where {{ replace_user_days_condition(arg_dict, 'old') }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- BigQuery runs each statement on its own: a multi-statement transaction makes the pair atomic. -#}
{% macro bigquery__get_incremental_replace_user_days_sql(arg_dict) -%}
    begin transaction;
    {{ default__get_incremental_replace_user_days_sql(arg_dict) }};
    commit transaction;
{%- endmacro %}

{#- The custom incremental strategy `replace_where`, for the marts recomputed per changed partition
    (a user's tail of plays, a user's artists): deletes the target rows that match the model's
    incremental_predicates (dbt's config, target aliased DBT_INTERNAL_DEST, all must hold), then
    inserts the new rows; the model selects exactly the rows of the partitions the predicates delete.
    In a predicate, __changed_user_days__ stands for int_user_days_changed (a relation name cannot be
    rendered at parse time, when dbt reads the config), __new_rows__ for the new rows (dbt's temporary
    relation), __genre_share_periods_changed__ for int_genre_share_periods_changed (mart_genre_share's
    partitions), __genre_share_months_changed__ for int_genre_share_months_changed (int_genre_plays_monthly's). The predicates are joined with `and` in their order: a model lists its bound (one value
    for every user) before its correlated per-user condition, and DuckDB then skips the history while it
    scans (the other order cost 1.2 s instead of 0.03 s per 10 M rows, bench/transform_scale.py).
    One transaction, as replace_user_days. -#}
{% macro get_incremental_replace_where_sql(arg_dict) -%}
    {{ return(adapter.dispatch('get_incremental_replace_where_sql')(arg_dict)) }}
{%- endmacro %}

{% macro default__get_incremental_replace_where_sql(arg_dict) -%}
    {%- set predicates = arg_dict['incremental_predicates'] or [] -%}
    {%- if predicates | length == 0 -%}
        {{ exceptions.raise_compiler_error("replace_where needs incremental_predicates (it would delete every row)") }}
    {%- endif -%}
    {%- set changed = ref('int_user_days_changed') | string -%}
    {#- ref() only where used: dbt lets a model ref at run time only what it depends on -#}
    {%- set periods = ref('int_genre_share_periods_changed') | string
                      if '__genre_share_periods_changed__' in predicates | join(' ') else '' -%}
    {%- set months = ref('int_genre_share_months_changed') | string
                     if '__genre_share_months_changed__' in predicates | join(' ') else '' -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }} as DBT_INTERNAL_DEST
    where {% for predicate in predicates -%}
        ({{ predicate | replace('__changed_user_days__', changed) | replace('__new_rows__', arg_dict['temp_relation'] | string)
                      | replace('__genre_share_periods_changed__', periods)
                      | replace('__genre_share_months_changed__', months) }})
        {{- ' and ' if not loop.last }}
    {%- endfor %};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{% macro bigquery__get_incremental_replace_where_sql(arg_dict) -%}
    begin transaction;
    {{ default__get_incremental_replace_where_sql(arg_dict) }};
    commit transaction;
{%- endmacro %}

{#- Unix seconds of the start (00:00 UTC) of a date expression. -#}
{% macro date_start_uts(date_sql) -%}
    ({{ dbt.datediff("cast('1970-01-01' as date)", date_sql, 'day') }} * 86400)
{%- endmacro %}

{#- A scalar subquery: the earliest, over the users of a changed-days relation, of the last UTC day with
    plays before the user's first changed day (stg_lastfm__extracted_days: the days before a user's
    first changed day are unchanged, so their counts are the rows the fact holds of them). Each user's
    last play before their cut is on or after it: the lower bound that lets a search for that play skip
    the history while it scans. Null when no user has a play before their cut. A model using it
    declares `-- depends_on: ref('stg_lastfm__extracted_days')` (the call is in its incremental branch,
    which dbt does not render when it parses). -#}
{% macro earliest_day_before_cuts(changed_user_days) -%}
(select min(last_day) from (
    select c.user_name, max(e.utc_date) as last_day
    from (select user_name, min(utc_date) as from_date from {{ changed_user_days }} group by user_name) as c
    inner join {{ ref('stg_lastfm__extracted_days') }} as e
        on e.user_name = c.user_name and e.utc_date < c.from_date and e.scrobble_count > 0
    group by c.user_name
) as last_days)
{%- endmacro %}
