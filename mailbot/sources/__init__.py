"""Sources: where messages come from, each a :class:`~mailbot.sources.base.Source`.

A local Maildir or files named on the command line (:mod:`.local`), or an IMAP folder (:mod:`.imap`).
"""
