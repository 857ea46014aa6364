"""Credit from government data: scorecards and private scoring (placeholder; replaced at merge)."""
