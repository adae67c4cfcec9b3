"""What models exist and what they can do: facts from `data/`, no network."""
