"""The chat request pipeline: shaping requests, reading replies, the lean transport."""
