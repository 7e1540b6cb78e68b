"""Readers' comments on published posts: by mail or by form, moderated, published under the post."""
