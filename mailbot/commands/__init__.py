"""Reviewers' commands by mail: the tokens mailbot puts in its notices, and the replies that use them."""
