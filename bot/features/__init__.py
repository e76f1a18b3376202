"""What the handlers call: each feature takes plain arguments (a database, a user, a translator) and
returns plain results, which a channel renders."""
