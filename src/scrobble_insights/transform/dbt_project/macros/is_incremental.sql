{#- dbt's is_incremental(), except when compiling without a warehouse connection (the BigQuery
    offline check): then `compile_offline_incremental` decides instead of asking the warehouse
    whether the table exists, which would need the network. -#}
{% macro is_incremental() %}
    {%- if var('compile_offline', false) -%}
        {{ return(var('compile_offline_incremental', false)) }}
    {%- endif -%}
    {{ return(dbt.is_incremental()) }}
{% endmacro %}
