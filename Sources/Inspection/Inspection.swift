// The Inspection module: red-flag rules, flags and cases (issue 4).
