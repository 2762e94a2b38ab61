"""Town wall maps: an A3 landscape PDF of one town's projects, printable without internet.

A planning bureau pins these up and hands them out at village meetings, so everything a
reader needs is on the paper: the town and its neighbours, every project by status with a
number, the numbered table, legend, scale bar, north arrow, date and sources. `data` reads
PostGIS, `projection` turns lon/lat into page points, `fonts` finds a Chinese font, `mapframe`,
`legend` and `table` draw their parts and `document` lays out the pages.
"""
