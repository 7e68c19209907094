{#- Data tests limited to the changed partitions (issue 13). A test configured with one of
      config: {where: __changed_user_days__}          rows of the changed (user_name, utc_date) days
      config: {where: __changed_user_tails__}         a user's rows from the start of their first
                                                      changed UTC day on (played_at_uts)
      config: {where: __changed_user_local_tails__}   a user's rows from the local day before their first
                                                      changed UTC day on (local_date)
      config: {where: __changed_user_local_months__}  the same from that day's local month on (year, month)
      config: {where: __changed_user_local_years__}   the same from that day's local year on (year)
    checks, on an incremental build, only the rows this build can have replaced (int_user_days_changed,
    and the incremental models' rules: fact_scrobbles replaces days, scrobble_sessions a tail by time,
    mart_daily_plays and mart_track_plays a tail of local days), and on a --full-refresh build every
    row. This is dbt's documented way to put run-time SQL in a test's `where` (the config is rendered
    at parse time, the placeholder is replaced here when the test runs). Only for models downstream of
    int_user_days_changed (the test reads it; dbt orders a test after its model only), whose rows
    outside those partitions are unchanged since the build that tested them. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if '__loaded_since_built__' in where -%}
        {%- do return(loaded_since_built_subquery(relation, where)) -%}
    {%- endif -%}
    {%- if '__genre_share_periods_changed__' in where -%}
        {%- do return(recorded_partitions_subquery(relation, where, '__genre_share_periods_changed__',
                                                   'int_genre_share_periods_changed', ['user_key', 'period_grain', 'period'])) -%}
    {%- endif -%}
    {%- if '__genre_share_months_changed__' in where -%}
        {%- do return(recorded_partitions_subquery(relation, where, '__genre_share_months_changed__',
                                                   'int_genre_share_months_changed', ['user_key', 'year', 'month'])) -%}
    {%- endif -%}
    {%- if '__changed_user_' in where -%}
        {%- set changed = user_days_changed_relation() -%}
        {%- set tails = '(select user_name, min(utc_date) as from_date from ' ~ changed ~ ' group by user_name)' -%}
        {#- Each condition starts with the bound it implies for every user at once: the earliest changed day,
            read when the test runs and written into its SQL as a constant, then the per-user condition. A
            constant is applied while the warehouse scans (DuckDB skips blocks by it, BigQuery prunes
            partitions by it), also under a view's joins, where a scalar subquery is only applied after
            them. Without the bound, DuckDB's plan for the correlated exists first lists the distinct
            (user, time) pairs of the whole table: seconds per 10 M rows, for every test. -#}
        {%- set since = '' if flags.FULL_REFRESH else earliest_changed_day(changed) -%}
        {%- set conditions = {
            '__changed_user_days__': 'tested.utc_date >= ' ~ since
                ~ ' and exists (select 1 from ' ~ changed ~ ' as changed where changed.user_name'
                ~ ' = tested.user_name and changed.utc_date = tested.utc_date)',
            '__changed_user_tails__': 'tested.played_at_uts >= ' ~ date_start_uts(since)
                ~ ' and exists (select 1 from ' ~ tails ~ ' as changed where changed.user_name'
                ~ ' = tested.user_name and tested.played_at_uts >= ' ~ date_start_uts('changed.from_date') ~ ')',
            '__changed_user_local_tails__': 'tested.local_date >= cast(' ~ dbt.dateadd('day', -1, since) ~ ' as date)'
                ~ ' and exists (select 1 from ' ~ tails ~ ' as changed where changed.user_name'
                ~ ' = tested.user_name and tested.local_date >= cast('
                ~ dbt.dateadd('day', -1, 'changed.from_date') ~ ' as date))',
            '__changed_user_local_months__': 'tested.year >= ' ~ part_of_day_before('year', since)
                ~ ' and exists (select 1 from ' ~ tails ~ ' as changed where changed.user_name'
                ~ ' = tested.user_name and tested.year * 100 + tested.month >= '
                ~ part_of_day_before('year', 'changed.from_date') ~ ' * 100 + ' ~ part_of_day_before('month', 'changed.from_date') ~ ')',
            '__changed_user_local_years__': 'tested.year >= ' ~ part_of_day_before('year', since)
                ~ ' and exists (select 1 from ' ~ tails ~ ' as changed where changed.user_name'
                ~ ' = tested.user_name and tested.year >= ' ~ part_of_day_before('year', 'changed.from_date') ~ ')',
        } -%}
        {#- replaced one by one: a variable set inside a Jinja loop does not outlive the loop -#}
        {%- set full = flags.FULL_REFRESH -%}
        {%- set where = where | replace('__changed_user_days__', '1 = 1' if full else conditions['__changed_user_days__'])
                              | replace('__changed_user_tails__', '1 = 1' if full else conditions['__changed_user_tails__'])
                              | replace('__changed_user_local_tails__',
                                        '1 = 1' if full else conditions['__changed_user_local_tails__'])
                              | replace('__changed_user_local_months__',
                                        '1 = 1' if full else conditions['__changed_user_local_months__'])
                              | replace('__changed_user_local_years__',
                                        '1 = 1' if full else conditions['__changed_user_local_years__']) -%}
        {%- do return('(select * from ' ~ relation ~ ' as tested where ' ~ where ~ ') as dbt_subquery') -%}
    {%- endif -%}
    {%- do return(dbt.get_where_subquery(relation)) -%}
{%- endmacro %}

{#- Tests on raw scrobbles and the views over them (config: {where: __loaded_since_built__}): the rows
    loaded since the fact was last built, rows whose loaded_at is later than the newest day_loaded_at of
    fact_scrobbles. These tests run before the fact in dbt build (the fact is downstream of them), so
    they read the fact as the previous build left it, and that build tested every row loaded until then
    (docs/decisions/0012). Every row on a --full-refresh build or when there is no fact yet. -#}
{% macro loaded_since_built_subquery(relation, where) -%}
    {%- set fact = adapter.get_relation(database=target.database, identifier='fact_scrobbles',
                                        schema=generate_schema_name('marts', none) | trim) -%}
    {%- if fact is none or flags.FULL_REFRESH -%}
        {%- set condition = '1 = 1' -%}
    {%- else -%}
        {#- no row in the fact: every row (a comparison with null would select none) -#}
        {%- set condition = 'tested.loaded_at > (select coalesce(max(day_loaded_at), cast(\'1970-01-01 00:00:00\' as '
            ~ dbt.type_timestamp() ~ ')) from ' ~ fact ~ ')' -%}
    {%- endif -%}
    {%- do return('(select * from ' ~ relation ~ ' as tested where ' ~ where | replace('__loaded_since_built__', condition)
                  ~ ') as dbt_subquery') -%}
{%- endmacro %}

{#- Tests on the models replaced by recorded partitions (config: {where: __genre_share_periods_changed__}
    on mart_genre_share, {where: __genre_share_months_changed__} on int_genre_plays_monthly): the rows of the
    partitions this build replaced, as the record (`record`, an intermediate model keyed by `columns`)
    lists them, with the models' own condition; every row on a --full-refresh build (the record is then
    empty, the model built whole). -#}
{% macro recorded_partitions_subquery(relation, where, placeholder, record, columns) -%}
    {%- set recorded = api.Relation.create(database=target.database, identifier=record,
                                           schema=generate_schema_name('intermediate', none) | trim) -%}
    {%- set condition = '1 = 1' if flags.FULL_REFRESH else in_recorded_partitions(recorded, 'tested', columns) -%}
    {%- do return('(select * from ' ~ relation ~ ' as tested where ' ~ where | replace(placeholder, condition)
                  ~ ') as dbt_subquery') -%}
{%- endmacro %}

{#- Whether a row (`alias`) is in a partition a record lists, matched on `columns`: the replace_where
    predicate of the models replaced by recorded partitions (the record being a placeholder there), and
    the condition of their tests -#}
{% macro in_recorded_partitions(record, alias, columns) -%}
exists (select 1 from {{ record }} as p
        where {% for column in columns %}p.{{ column }} = {{ alias }}.{{ column }}{{ ' and ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- The year or month of the day before a UTC day: the first local day a change of that UTC day can
    touch (a play's local day is at most one day before its UTC day) -#}
{% macro part_of_day_before(part, utc_date) -%}
extract({{ part }} from cast({{ dbt.dateadd('day', -1, utc_date) }} as date))
{%- endmacro %}

{#- The earliest day of a changed-days relation: when tests run (build, test), a SQL date literal read
    with a query (9999-12-31 when no day changed: no row is then selected, as the exists selects none);
    otherwise (compile, docs: nothing is read) the same as a scalar subquery. -#}
{% macro earliest_changed_day(changed) -%}
    {%- if execute and flags.WHICH in ('build', 'test', 'retry') -%}
        {%- set day = run_query('select min(utc_date) from ' ~ changed).columns[0].values()[0] -%}
        {%- do return("cast('" ~ (day or '9999-12-31') ~ "' as date)") -%}
    {%- endif -%}
    {%- do return('(select min(utc_date) from ' ~ changed ~ ')') -%}
{%- endmacro %}

{#- int_user_days_changed, named without ref(): dbt takes a test's dependencies from its model and
    arguments, and a strategy macro's from nothing, so neither may ref() it. -#}
{% macro user_days_changed_relation() -%}
    {%- do return(api.Relation.create(database=target.database, identifier='int_user_days_changed',
                                      schema=generate_schema_name('intermediate', none) | trim)) -%}
{%- endmacro %}
