"""Theater films: read highlight chunks into events, pair kills, check them against the stats.

`reader` turns a highlight chunk's bytes and the film's major version into
`FilmEvent`s; `feed` pairs kills with deaths into a kill feed and reconciles
the events with the match's stats; `medals` joins the film's medal codes to the
game's medal metadata. All of it is pure: no I/O.
"""
