"""The command line: ``voicemock practice | score | sessions | show | export | questions``."""
