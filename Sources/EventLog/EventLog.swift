// The EventLog module.
