"""SQL builders shared by the JSON API, OGC API Features, exports and the map pages."""
