{#- Schemas are named after the layer (staging, intermediate, marts, reference), not prefixed with
    the target schema; on BigQuery the configured dataset prefix is put in front. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ var('schema_prefix', '') }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
