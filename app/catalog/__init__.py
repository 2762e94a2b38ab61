"""The plan catalog: validating project features and loading them into PostGIS."""
