"""Mail: one RFC 822 message's bytes decoded into a :class:`~mailbot.models.ParsedMessage`.

MIME structure, charsets, format=flowed, and HTML bounded, sanitised and rendered as plain text.
"""
