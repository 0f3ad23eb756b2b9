"""Pull engine: keep app tables equal to 1C for every entity where 1C is master."""
