"""Facts as JSON, each with its public source and date: models, regions, errors."""
