"""newsarc: crawl, archive, extract and publish news sites and the content farms that copy them."""

__version__ = "0.1.0"
