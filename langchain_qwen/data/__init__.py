"""Packaged data: the model catalogue (`models.json`)."""
