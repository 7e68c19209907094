-- The artist page's evidence: each artist's last.fm tags, strongest first, with the canonical genre each
-- folds into (null for junk such as "seen live"); grain one artist and tag.
select
    t.artist_name,
    t.tag_name,
    t.tag_weight,
    t.tag_rank,
    g.genre
from {{ ref('stg_lastfm__artist_tags') }} as t
left join {{ ref('stg_reference__tag_genres') }} as g on g.tag_name = t.tag_name
