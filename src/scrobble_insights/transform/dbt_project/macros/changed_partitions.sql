{#- Data tests limited to the changed partitions (issue 13). A test configured with
      config: {where: "__changed_user_days__"}
    checks, on an incremental build, only the rows of the (user_name, utc_date) days this build replaced
    (int_user_days_changed), and on a --full-refresh build every row. This is dbt's documented way to
    put run-time SQL in a test's `where` (the config is rendered at parse time, the placeholder is
    replaced here when the test runs). Only for models whose rows change by whole UTC user-days (the
    fact replaces them), so rows outside them passed before, and that are built after
    int_user_days_changed (downstream of it): the test reads it, and dbt orders a test by its model only. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if '__changed_user_days__' in where -%}
        {#- not ref(): dbt takes a test's dependencies from its model and arguments, not from this macro -#}
        {%- set changed = api.Relation.create(database=target.database, identifier='int_user_days_changed',
                                              schema=generate_schema_name('intermediate', none) | trim) -%}
        {%- if flags.FULL_REFRESH -%}
            {%- set where = where | replace('__changed_user_days__', '1 = 1') -%}
        {%- else -%}
            {%- set where = where | replace('__changed_user_days__',
                'exists (select 1 from ' ~ changed ~ ' as changed where changed.user_name = tested.user_name'
                ~ ' and changed.utc_date = tested.utc_date)') -%}
        {%- endif -%}
        {%- do return('(select * from ' ~ relation ~ ' as tested where ' ~ where ~ ') as dbt_subquery') -%}
    {%- endif -%}
    {%- do return(dbt.get_where_subquery(relation)) -%}
{%- endmacro %}
