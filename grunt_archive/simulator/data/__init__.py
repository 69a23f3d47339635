"""The simulator's seeded world and every document built from it; no routes, no HTTP.

`world` holds the players and their matches, `documents` builds a match's
stats from them (with `lineup`, `playerstats`, `totals`, `medals`), and one
module per other kind of document builds it from the world: `assets`
(discovery), `skill`, `profiles`, `service_record`, `calendars`, the medal
metadata in `medals`. `catalog` is the game's content they all name.
"""
