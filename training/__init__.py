"""Training code, data loaders and generators for Guard's embedded classifiers (not runtime)."""
