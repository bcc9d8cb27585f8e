// The ODA module: Lao PDR's ODA portfolio as events (issue 3).
