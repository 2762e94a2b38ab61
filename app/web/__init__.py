"""The map pages (Folium + Jinja2), served next to the JSON API."""
