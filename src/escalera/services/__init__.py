"""Use cases. Each public function owns one transaction (commit or roll back as a whole)."""
