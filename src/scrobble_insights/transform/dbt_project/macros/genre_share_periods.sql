{#- The periods of mart_genre_share, in one place for the mart and for int_genre_share_periods_changed
    (which lists the periods a build recomputes), so both name a month's periods alike. -#}

{% macro genre_share_period_labels(year, month, hemisphere) -%}
{#- select columns: the four period labels of a local month (year, month 1-12) for a hemisphere -#}
cast({{ year }} as {{ dbt.type_string() }}) as year_label,
{{ season(month, hemisphere) }} as season_label,
cast({{ year }} as {{ dbt.type_string() }}) || '-' || right('0' || cast({{ month }} as {{ dbt.type_string() }}), 2)
    as month_label,
right('0' || cast({{ month }} as {{ dbt.type_string() }}), 2) as month_of_year_label
{%- endmacro %}

{% macro artist_genres_applied() -%}
{#- a CTE body: what mart_genre_share reads of an artist's genres (bridge_artist_genre with dim_genre's
    name and family), one row per artist and genre. int_artist_genres_applied keeps it as the last
    build applied it; int_genre_share_periods_changed compares the two. -#}
select b.artist_key, g.genre, g.genre_family, b.is_primary, cast(b.share as {{ type_exact() }}) as share
from {{ ref('bridge_artist_genre') }} as b
inner join {{ ref('dim_genre') }} as g on g.genre_key = b.genre_key
{%- endmacro %}
