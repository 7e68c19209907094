{#- Custom incremental strategies on BigQuery. dbt-core's materializations find a strategy's macro by
    its name (adapter.get_incremental_strategy_macro); dbt-bigquery's (1.11) instead accepts only
    'merge', 'insert_overwrite' and 'microbatch' and builds any other as a merge. These two overrides
    of its internal macros add the lookup, and only that: the built-in strategies go to dbt-bigquery's
    own macros (`dbt.` reaches the adapter's), any other to get_incremental_<strategy>_sql(arg_dict). -#}

{% macro dbt_bigquery_validate_get_incremental_strategy(config) -%}
    {%- set strategy = config.get('incremental_strategy') or 'merge' -%}
    {%- if strategy in ['merge', 'insert_overwrite', 'microbatch'] -%}
        {{ return(dbt.dbt_bigquery_validate_get_incremental_strategy(config)) }}
    {%- endif -%}
    {%- do adapter.get_incremental_strategy_macro(context, strategy) -%}  {#- raises when there is none -#}
    {{ return(strategy) }}
{%- endmacro %}

{% macro bq_generate_incremental_build_sql(
    strategy, tmp_relation, target_relation, sql, unique_key, partition_by, partitions, dest_columns,
    tmp_relation_exists, copy_partitions, incremental_predicates
) -%}
    {%- if strategy in ['merge', 'insert_overwrite', 'microbatch'] -%}
        {{ return(dbt.bq_generate_incremental_build_sql(
            strategy, tmp_relation, target_relation, sql, unique_key, partition_by, partitions, dest_columns,
            tmp_relation_exists, copy_partitions, incremental_predicates)) }}
    {%- endif -%}
    {%- if not tmp_relation_exists -%}
        {#- dbt-bigquery stages the new rows in a table only when on_schema_change is not 'ignore' -#}
        {{ exceptions.raise_compiler_error("incremental strategy '" ~ strategy ~ "' needs on_schema_change "
                                           ~ "set (e.g. 'fail') on BigQuery, so the new rows are staged in a table") }}
    {%- endif -%}
    {%- set strategy_sql = adapter.get_incremental_strategy_macro(context, strategy) -%}
    {{ return(strategy_sql({'target_relation': target_relation, 'temp_relation': tmp_relation,
                            'unique_key': unique_key, 'dest_columns': dest_columns,
                            'incremental_predicates': incremental_predicates})) }}
{%- endmacro %}
