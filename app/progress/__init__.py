"""Monthly progress reports: versions, cumulative sums, late and missing reports, the year's standing."""
