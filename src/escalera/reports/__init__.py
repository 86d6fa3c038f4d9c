"""Documents for people: the firm report (HTML and PDF) and its charts."""
