"""Map layers: loading and validating Kendari's geodata and turning it into map traces."""
