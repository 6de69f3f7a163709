"""govcrawl: crawl and evaluate government web portals."""
