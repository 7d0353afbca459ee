"""The Scrapy project: settings, the `news` spider, WARC capture and the archive pipeline."""
