{#- Generic test: every row satisfies the boolean SQL expression (dbt_utils.expression_is_true without
    the package); a failing row is returned whole. -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
