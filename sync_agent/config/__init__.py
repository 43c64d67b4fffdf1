"""The agent's configuration: what each setting may be, and where it comes from.

:mod:`sync_agent.config.settings` holds the validated models (fields,
limits, defaults and their reasons); :mod:`sync_agent.config.loader` reads
them from the environment and an optional TOML file and reports every
problem at once (:class:`~sync_agent.errors.ConfigError`). The loader
builds on the models, never the other way round.
"""
