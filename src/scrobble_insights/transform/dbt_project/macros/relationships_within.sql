{#- Generic test: dbt's relationships (every non-null value of the column is a `field` of `to`), with the
    test's `where` applied to the parent `to` too, not only to the tested model. For a model and a parent
    partitioned alike (the same user_name and utc_date or played_at_uts, the same scrobble_id on both
    sides), with a changed-partition placeholder (macros/changed_partitions.sql): the rows a build can
    have replaced are looked up among the parent's rows of the same partitions, where the same scrobble
    is, instead of among the whole parent (the built-in test reads all of it, the whole history). On a
    --full-refresh build the placeholder selects every row: the built-in test exactly. -#}
{% test relationships_within(model, column_name, to, field) %}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ get_where_subquery(to) }}
)

select child.from_field
from child
left join parent on parent.to_field = child.from_field
where parent.to_field is null
{% endtest %}
