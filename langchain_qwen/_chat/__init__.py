"""The chat request pipeline, reply reading and the lean transport."""
