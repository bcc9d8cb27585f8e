// The Transparency module.
