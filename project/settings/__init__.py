"""Settings split as base / local / test / production; each reads the environment."""
