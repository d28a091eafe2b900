"""The commands, one module per family; :mod:`voicemock.cli.main` puts them together."""
