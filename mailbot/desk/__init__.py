"""The review desk (``mailbot serve``): reviewing drafts in a browser, a thin layer over mailbot.drafts."""
