package main

// cmdApp opens the app on the preset list. Until the dashboard lands it lists the presets.
func cmdApp(args []string) error { return cmdList(args) }
