"""The settings voiceassist ships: ``default.toml`` (every key, its default and why) and
``phrasebooks/<lang>.toml`` (what each prompt says and the phrases that trigger it).

Installed as the package data ``voiceassist.defaults``, so a wheel carries them; a team's own
settings go in a file of its own (``--config``), never here.
"""
