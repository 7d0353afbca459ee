"""newsarc's own Scrapy signals."""

# Sent by WarcCaptureMiddleware for every response it archived, with `capture` (an
# archive.ingest.Capture) and `response`. Receivers may set `capture.id`.
capture_archived = object()
