-- The artist page's evidence: each artist's last.fm tags, strongest first, with the canonical genre each
-- folds into (null for junk such as "seen live"); grain one artist and tag. The artist is dim_artist's
-- (its shown spelling), the tags those of the spelling that stands for it (dim_artist.tags_artist_name),
-- so a spelling scrobbled without tags shows its artist's.
select
    a.artist_name,
    t.tag_name,
    t.tag_weight,
    t.tag_rank,
    g.genre
from {{ ref('dim_artist') }} as a
inner join {{ ref('stg_lastfm__artist_tags') }} as t on t.artist_name = a.tags_artist_name
left join {{ ref('stg_reference__tag_genres') }} as g on g.tag_name = t.tag_name
