-- Canonical genres with their hierarchy, plus 'unknown' for artists without any genre tag.
select
    {{ surrogate_key(['genre']) }} as genre_key,
    genre,
    parent_genre,
    root_genre,
    genre_family,
    depth
from {{ ref('genre_hierarchy') }}
union all
select
    {{ surrogate_key(["'unknown'"]) }} as genre_key,
    'unknown' as genre,
    cast(null as {{ dbt.type_string() }}) as parent_genre,
    'unknown' as root_genre,
    'unknown' as genre_family,
    0 as depth
