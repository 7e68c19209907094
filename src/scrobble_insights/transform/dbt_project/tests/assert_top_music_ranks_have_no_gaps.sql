-- A top list ranks without gaps: each entry's rank is 1 + the number of entries of the same list
-- (user, year, artist/album/track) with more plays, so the list starts at 1 and ties share a rank;
-- the same holds for the rank the year before.
with above as (
    -- rank() is exactly 1 + the entries of the partition with more plays: a window, not a self-join that
    -- compares every pair of a list (100 x 100 per user, year and kind)
    select
        user_key, year, entity_type, entity_key, rank_in_year,
        rank() over (partition by user_key, year, entity_type order by plays desc) - 1 as entries_with_more_plays
    from {{ ref('mart_top_music_yearly') }}
),

previous as (
    -- an entry's previous rank is the rank its own row of the year before holds, when that row is in the list
    select r.user_key, r.year, r.entity_type, r.entity_key, r.previous_rank, p.rank_in_year
    from {{ ref('mart_top_music_yearly') }} as r
    inner join {{ ref('mart_top_music_yearly') }} as p
        on p.user_key = r.user_key and p.year = r.year - 1 and p.entity_type = r.entity_type
        and p.entity_key = r.entity_key
)

select user_key, year, entity_type, entity_key, 'rank' as problem
from above
where rank_in_year != entries_with_more_plays + 1
union all
select user_key, year, entity_type, entity_key, 'previous_rank'
from previous
where previous_rank is null or previous_rank != rank_in_year
