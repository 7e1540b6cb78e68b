"""Mail sources: local files, Maildir and mbox (:mod:`.local`), and IMAP (:mod:`.imap`)."""
